"""The monitoring service's own enumerations; those it shares with the pages are in `shared.vocabulary`."""

from enum import StrEnum


class Department(StrEnum):
    civil_affairs = "civil_affairs"
    education = "education"
    housing = "housing"
    medical_security = "medical_security"
    poverty_relief = "poverty_relief"


class RecordKind(StrEnum):
    dibao = "dibao"
    tekun = "tekun"
    medical_expense = "medical_expense"
    income = "income"
    school_dropout = "school_dropout"
    housing_unsafe = "housing_unsafe"


class SelfReportStatus(StrEnum):
    case_opened = "case_opened"
    existing_case = "existing_case"
    unmatched = "unmatched"
