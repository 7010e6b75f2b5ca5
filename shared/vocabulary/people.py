"""The words of the people who do the work (seed §六(二)(三)(五)): what an assignment makes someone."""

from shared.vocabulary import Term


class AssignmentKind(Term):
    """Who is sent where: a work team or a 第一书记 to a village, a 帮扶责任人 to households."""

    work_team = "work_team", "驻村工作队"
    first_secretary = "first_secretary", "第一书记"
    responsible = "responsible", "帮扶责任人"
