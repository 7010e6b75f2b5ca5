"""A resettlement site's words (seed §五(四)): the facilities the plan follows up and their state."""

from shared.vocabulary import Term


class Facility(Term):
    """The facilities of a resettlement site the plan names, in its order (seed §五(四))."""

    water = "water", "供水"
    power = "power", "供电"
    roads = "roads", "道路"
    telecoms = "telecoms", "通信"
    waste_and_sewage = "waste_and_sewage", "垃圾污水处理"
    public_toilets = "public_toilets", "公共厕所"
    school = "school", "学校"
    clinic = "clinic", "卫生室"
    elderly_care = "elderly_care", "养老服务"


class FacilityStatus(Term):
    adequate = "adequate", "完善"
    gap = "gap", "存在短板"
    in_progress = "in_progress", "补短板项目在建"
