"""What the places pages share: the registry's site paths, its form (a facility's follow-up project typed
as two inputs) and the hints that say its English schema complaints in Chinese."""

from gateway.web.forms import Form as BaseForm
from gateway.web.render import renderer
from shared.vocabulary.places import Facility, FacilityStatus

SITES = "/api/v1/resettlement-sites"
PAGE_SIZE = 20
SITE_MISSING = "未找到该安置点，或该安置点不在您的管辖范围内。"

HINTS = {
    "facility": "请选择设施",
    "status": "请选择设施状况",
    "project_name": "请填写补短板项目名称（2–100 字）",
    "project_due_on": "请选择项目完成期限",
    "note": "备注最多 500 字",
    "household": "请填写户编号或户主姓名",
}

# The API's field names where the form names them differently.
FORM_FIELD = {"project": "project_name", "household_ids": "household"}

show = renderer({"FACILITIES": list(Facility), "FACILITY_STATUSES": list(FacilityStatus)})


class Form(BaseForm):
    """A site form: `project.due_on` is typed in `project_due_on`, a complaint about the whole project
    goes next to its name."""

    hints = HINTS
    api_fields = FORM_FIELD

    def column(self, name: str) -> str:
        flat = name.replace(".", "_")
        return flat if flat in self.values else super().column(name)
