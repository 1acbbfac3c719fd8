"""Typed domain errors and their catalog.

Every error the sandbox can answer has one entry here: a stable code, an HTTP status and English
and Chinese titles. Code raises :class:`DomainError` with the code and a detail in both languages;
the web layer renders it once as RFC 7807 ``application/problem+json`` and serves the catalog as
documentation pages under ``/problems/{code}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from simulator.core.policy_values import A_POINTS, B_AGE_LIMIT, B_POINTS, FRESHNESS_MONTHS


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    status: int
    title: str
    title_zh: str
    explanation: str
    source: str = "fwp-sandbox"


def _spec(code: str, status: int, title: str, title_zh: str, explanation: str,
          source: str = "fwp-sandbox") -> ErrorSpec:
    return ErrorSpec(code, status, title, title_zh, explanation, source)


_SPECS = [
    # Protocol errors: the request itself is wrong.
    _spec("E_VALIDATION", 400, "Request does not match the API specification", "请求不符合接口规范",
          "A parameter or the body breaks the OpenAPI schema: a missing required field, a wrong "
          "type or format, or an unknown field. `field` names the first one; `errors` lists all."),
    _spec("E_MALFORMED_JSON", 400, "Body is not valid JSON", "请求体不是有效的JSON",
          "The body could not be parsed as UTF-8 JSON."),
    _spec("E_UNAUTHORIZED", 401, "Authentication required", "需要身份认证",
          "No credentials, or credentials that are invalid or expired, were sent."),
    _spec("E_INVALID_CLIENT", 401, "Unknown client or wrong secret", "客户端标识或密钥错误",
          "The OAuth2 client credentials do not match an employer account (RFC 6749 invalid_client)."),
    _spec("E_FORBIDDEN", 403, "Not allowed", "无权访问",
          "The credentials are valid but belong to another tenant or lack the right."),
    _spec("E_NOT_FOUND", 404, "Not found", "资源不存在",
          "No such resource exists for this caller. Resources of other tenants and employers are "
          "reported as not found, never as forbidden, so that their existence does not leak."),
    _spec("E_METHOD_NOT_ALLOWED", 405, "Method not allowed", "不支持该请求方法",
          "The path exists but not with this HTTP method; the Allow header lists the methods."),
    _spec("E_NOT_ACCEPTABLE", 406, "Not acceptable", "无法提供所要求的响应格式",
          "The Accept header excludes every media type this operation can answer with."),
    _spec("E_PAYLOAD_TOO_LARGE", 413, "Request body too large", "请求体过大",
          "The body is larger than the sandbox accepts (1 MiB)."),
    _spec("E_UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported content type", "不支持的内容类型",
          "The body's Content-Type is not one the operation accepts."),
    _spec("E_IDEMPOTENCY_KEY_REUSED", 422, "Idempotency key reused with another request",
          "幂等键已用于其他请求",
          "An Idempotency-Key can be replayed only with the same method, path and body."),
    _spec("E_UNSUPPORTED_CHARACTER", 422, "Text contains a character that cannot be stored",
          "文本含有无法保存的字符",
          "Text fields cannot contain the NUL character (U+0000), which no record of the real "
          "systems can hold, nor a lone UTF-16 surrogate (an escape such as `\\ud800` without "
          "its pair), which is not a Unicode character at all. An escaped surrogate pair (an "
          "emoji, say) is one character and is accepted."),
    _spec("E_DUPLICATE_HEADER", 400, "Header sent more than once", "请求头重复",
          "Content-Type, Content-Length, the credentials (Authorization, X-Sandbox-Key, "
          "X-Sandbox-Admin-Token), X-Sandbox-Tenant, Idempotency-Key and X-Sandbox-Scenario are "
          "single values: sent twice, the request is ambiguous and is refused. `field` names the "
          "header."),
    _spec("E_SCENARIO_NOT_SUPPORTED", 400, "No scenario for this operation", "该操作不支持场景模拟",
          "X-Sandbox-Scenario was sent to an operation that has no scenarios. The operations that "
          "take one, and their values, are in the README's scenario table and in each operation's "
          "spec (an enum on the header); send the header only there."),
    _spec("E_INVALID_CURSOR", 422, "Unknown paging cursor", "分页游标无效",
          "Pass back a `page.next_cursor` exactly as a previous page returned it."),
    _spec("E_DATES_INCONSISTENT", 422, "Dates contradict each other", "日期相互矛盾",
          "Two dates of the request cannot both be true, e.g. a passport that expires before its "
          "holder was born."),
    _spec("E_CLOCK_RANGE", 422, "Tenant clock out of range", "租户时钟超出范围",
          "The tenant clock can be set or moved only within 2001-2098, the years the working-day "
          "calendar covers."),
    _spec("E_CALENDAR_RANGE", 422, "Date outside the working-day calendar", "日期超出工作日历范围",
          "Working days are counted only for dates in 2001-2099: the years of China's official "
          "holiday arrangements, then the estimate of later ones (GET /sandbox/v1/calendar lists "
          "each year and whether it is official)."),
    _spec("E_DOC_NOT_LEGALISED", 422, "Document not legalised", "材料未经认证",
          "Foreign degree certificates and no-criminal-record certificates must be legalised by a "
          "Chinese embassy or consulate, or verified by a recognised body.",
          "zssvisa.cn (M)"),
    _spec("E_TRANSLATION_MISSING", 422, "Chinese translation missing", "缺少中文翻译件",
          "Every non-Chinese document except the passport needs a Chinese translation sealed by "
          "the employer.", "zwdt.sh.gov.cn (H for Shanghai)"),
    _spec("E_DOC_MISSING", 422, "Required document missing", "缺少必要材料",
          "The application lacks a document its type and route require.",
          "Shanghai item list, zwdt.sh.gov.cn (H)"),
    # Permits across services.
    _spec("E_PERMIT_NOT_ACTIVE", 409, "The work permit is not in force", "工作许可不在有效状态",
          "The permit was cancelled, revoked or has expired (on the tenant clock): it can no longer "
          "be used for this.", "Notice 75 (H: permit status in real time); refusals ASSUMPTION"),
    _spec("E_REISSUE_NOT_APPLICABLE", 409, "Nothing to reissue", "无需补发电子工作许可",
          "Reissue Electronic Work Permit applies only to a physical (pre-2024) permit still in force.",
          "CAS FAQ Q3"),
    _spec("E_REISSUE_PENDING", 409, "A reissue is already under way", "补发申请已在办理中",
          "This permit already has a Reissue Electronic Work Permit application in progress."),
    _spec("E_PR_CARD_INVALID", 422, "Invalid permanent-resident card number", "外国人永久居留身份证号码无效",
          "A 2023 card number has 18 characters, starts with 9 and passes ISO 7064 MOD 11-2; a 2017 "
          "card number is three letters and twelve digits.", "NIA machine-readable rules, 2023 (H)"),
    _spec("E_EXTENSION_AFTER_EXPIRY", 422, "Permit already expired", "工作许可已过期",
          "An extension must be filed before the permit's last day; after it, apply anew.",
          "georjob.com: a permit that expires unextended is cancelled (M)"),
    _spec("E_ORIGINALS_OVERDUE", 409, "Originals check overdue", "原件核验已逾期",
          "A category B or C holder did not show the originals within 30 days of entry: extension "
          "and change are blocked until the check is done.", "cdamac.com (M); ASSUMPTION on blocking"),
    _spec("E_CROSS_REGION_WORK", 422, "Work in another province", "跨省工作",
          "A permit covers one province: working in another needs a new application there, not a "
          "change.", "Shanghai FAQ (M); ASSUMPTION"),
    _spec("E_ENTRY_NOT_ALLOWED", 409, "Entry cannot be recorded", "无法登记入境",
          "Entry is recorded once, for a permit whose notification letter was issued, on a date "
          "between the letter and today."),
    _spec("E_NOTHING_TO_CHANGE", 422, "Nothing changes", "无变更内容",
          "A change must alter at least one of the permit's details."),
    _spec("E_PASSPORT_IN_USE", 409, "Passport number belongs to another person", "护照号码属于另一名外国人",
          "A change to a new passport number is refused when another person of the same nationality "
          "and birth date is already known by that number (a permit or a social security number was "
          "assigned under it): the two would become one person."),
    _spec("E_IN_CHINA_NOT_ALLOWED", 422, "In-China application not allowed", "不符合境内申请条件",
          "An application from inside China is for an existing holder whose previous permit was "
          "cancelled, for the same occupation.", "whatsupchina.com (M)"),
    _spec("E_EMPLOYER_NOT_DISSOLVED", 409, "The employer still exists", "用人单位未注销",
          "A foreigner files the cancellation only when the employer has been dissolved.",
          "georjob.com (M)"),
    # Social insurance and physical cards.
    _spec("E_NO_WORK_PERMIT", 422, "No work permit from this employer", "无本单位有效工作许可",
          "Social-insurance registration needs the employer's current work permit (or a 2023 "
          "permanent-resident card).", "Notice 75; Decree 16"),
    _spec("E_ALREADY_INSURED", 409, "Already registered for social insurance", "已参保",
          "The person already has a registration and a social security number; `ssn` names it."),
    _spec("E_SSN_NOT_UNIQUE", 409, "Social security number not unique", "社会保障号码不唯一",
          "No free number is left in the simulator-internal layout for this person.",
          "SSC middleware messages (M)"),
    _spec("E_CARD_STATUS", 409, "Not allowed in the card's status", "社保卡当前状态不允许此操作",
          "The physical card's state (in production, lost, frozen, cancelled...) does not allow this.",
          "Wuxi FAQ, SSC middleware messages (M)"),
    # e-SSC.
    _spec("E_UNKNOWN_TENANT", 404, "Unknown sandbox tenant", "沙箱租户不存在",
          "X-Sandbox-Tenant names no tenant of this sandbox."),
    _spec("E_PWD_POLICY", 422, "Password too weak", "密码不符合要求",
          "8 to 16 characters with at least two of: letters, digits, symbols.",
          "Hainan and Ningbo e-SSC guides (H)"),
    _spec("E_ESSC_ID_NOT_FOUND", 404, "No such work permit or social security number",
          "工作许可证号或社会保障号码不存在",
          "The identifier does not match a work permit, a social security number or a "
          "permanent-resident card known to the backend.", "Hainan and Ningbo e-SSC guides (H)"),
    _spec("E_ESSC_NAME_MISMATCH", 422, "Name does not match the passport", "姓名与护照不一致",
          "The name must equal the passport name (compared case-insensitively, spaces collapsed).",
          "Hainan and Ningbo e-SSC guides (H); case and spaces ignored: ASSUMPTION"),
    _spec("E_LEGACY_NEEDS_REISSUE", 409, "Physical permit: the employer must reissue it electronically",
          "实体工作许可须先由单位申请补发电子工作许可",
          "A holder of a physical (pre-2024) work permit gets an e-SSC only after the employer's "
          "\"Reissue Electronic Work Permit\" (补发电子工作许可) application is approved: "
          "POST /fwp/v1/work-permits/{permitNumber}/reissue-electronic.", "CAS FAQ Q3 (M–H)"),
    _spec("E_ESSC_ALREADY_REGISTERED", 409, "Already registered", "已注册电子社保卡",
          "This person already holds an e-SSC: log in instead."),
    _spec("E_FACE_FAIL", 422, "Face verification failed", "人脸识别未通过",
          "The real-person (face) check did not pass; start the check again."),
    _spec("E_FACE_CHALLENGE_INVALID", 422, "Wrong or expired face challenge", "人脸识别挑战无效或已过期",
          "Answer the face challenge with its nonce within 5 minutes (tenant clock)."),
    _spec("E_ESSC_REALNAME_BANK_MISMATCH", 422, "Bank-card real-name check failed", "银行卡实名核验未通过",
          "The card must be a domestic UnionPay card (starting with 62) with a valid check digit.",
          "Hainan e-SSC guide (H)"),
    _spec("E_SMS_CODE_INVALID", 422, "Wrong SMS code", "短信验证码错误",
          "The code does not match the last one sent for this registration."),
    _spec("E_ESSC_LOGIN_FAILED", 401, "Wrong identifier or password", "账号或密码错误",
          "No issued e-SSC matches this identifier and password."),
    _spec("E_FAULT_RULE_INVALID", 422, "The fault rule cannot be applied", "故障规则无法应用",
          "A fault rule names one operationId of the work-permit or social-security API, such as "
          "`getEmployer` (the control plane cannot be faulted), and the fields of its kind: "
          "LATENCY `latency_ms` or `latency_min_ms` ≤ `latency_max_ms`, ERROR a `status`."),
    _spec("E_FAULT_INJECTED_500", 500, "Injected fault: internal error", "注入故障：内部错误",
          "A fault rule of this tenant (sandbox control plane, /faults) answered instead of the "
          "operation. Nothing was done."),
    _spec("E_FAULT_INJECTED_502", 502, "Injected fault: bad gateway", "注入故障：网关错误",
          "A fault rule of this tenant answered as a failing upstream would. Nothing was done."),
    _spec("E_FAULT_INJECTED_503", 503, "Injected fault: service unavailable", "注入故障：服务不可用",
          "A fault rule of this tenant answered as an overloaded service would; retry after "
          "`Retry-After` seconds. Nothing was done."),
    _spec("E_FAULT_INJECTED_429", 429, "Injected fault: too many requests", "注入故障：请求过多",
          "A fault rule of this tenant answered as a rate limit would; retry after `Retry-After` "
          "seconds. Nothing was done."),
    _spec("E_FAULT_INJECTED_401", 401, "Injected fault: the access token is refused",
          "注入故障：访问令牌被拒绝",
          "A fault rule of this tenant refused the request's access token, as a server that rotated "
          "its signing keys would: get one new token and send the request again. Nothing was done."),
    _spec("E_CALLBACK_URL_REFUSED", 422, "Callback URL refused", "回调地址不被接受",
          "A callback URL is an absolute http or https URL without user info, whose host is a "
          "loopback host (127.0.0.1, localhost, ::1) or one the server allows in "
          "FWP_CALLBACK_HOSTS: the sandbox posts only where its operator lets it."),
    _spec("E_CALLBACK_SETTINGS_INVALID", 422, "Callback settings contradict each other",
          "回调设置相互矛盾",
          "The chaos delay range must have `delay_min_ms` ≤ `delay_max_ms`."),
    _spec("E_CALLBACK_LIMIT", 409, "Too many callbacks", "回调数量已达上限",
          "A tenant registers at most 20 callbacks; delete one first."),
    _spec("E_INTERNAL", 500, "Internal error", "内部错误",
          "The sandbox failed. This is a bug: please report it with the request."),
    # State.
    _spec("E_ILLEGAL_STATE", 409, "Action not allowed in the current state", "当前状态下不允许此操作",
          "The resource's state machine has no such transition from its current state. "
          "`allowed_actions` lists what is allowed now."),
    _spec("E_CORRECTION_ALREADY_REQUESTED", 409, "Corrections were already requested once",
          "已一次性告知补正内容",
          "Pre-review must list every defect at once (一次性告知): an application can be returned "
          "for correction only once.", "Changchun flowchart 2021 (H); zssvisa.cn (M)"),
    _spec("E_EMPLOYER_NOT_REGISTERED", 409, "Employer profile not registered", "用人单位信息未注册",
          "Register the employer (PUT /fwp/v1/employer) with a valid unified social credit code "
          "before filing applications.", "quanhespa.com FAQ (M)"),
    _spec("E_USCC_LOCKED", 409, "Unified social credit code cannot be changed",
          "统一社会信用代码不可修改",
          "Once registered, the employer's code is fixed; the real system corrects it only through "
          "its back office.", "quanhespa.com FAQ (M)"),
    # Policy rules.
    _spec("E_USCC_CHECK", 422, "Invalid unified social credit code", "统一社会信用代码无效",
          "The code fails GB 32100-2015: wrong length or alphabet, a bad organisation-code check "
          "character (position 17, GB 11714) or a bad overall check character (position 18).",
          "GB 32100-2015 (H)"),
    _spec("E_NATIONALITY_UNKNOWN", 422, "Unknown nationality", "国籍代码无效",
          "The nationality is not an ISO 3166-1 alpha-3 code.", "ISO 3166-1"),
    _spec("E_PASSPORT_EXPIRED", 422, "Passport expired", "护照已过期",
          "The passport's expiry date is not after today's date on the tenant clock."),
    _spec("E_FOREIGNER_NOT_FOUND", 422, "Unknown foreigner", "外国人信息不存在",
          "The application names a foreigner this employer has not registered."),
    _spec("E_POST_ENTRY_CANCELLED", 422, "The post-entry permit application was abolished",
          "入境后申请工作许可的流程已取消",
          "Since Notice 75 (2024-12-01) the pre-entry (NEW_OVERSEAS) application covers both the "
          "notification letter and the work permit; there is no application after entry.",
          "Notice 人社部发〔2024〕75号; CAS FAQ Q5"),
    _spec("E_APPOINTMENT_NOT_REQUIRED", 410, "Appointments are no longer needed", "无需预约",
          "Since Notice 75 employers need no appointment: every step is online.",
          "Notice 人社部发〔2024〕75号; CAS FAQ Q8"),
    _spec("E_AGE_UNDER_18", 422, "Applicant under 18", "申请人未满18周岁",
          "Every category requires the applicant to be at least 18 on the day of submission.",
          "2017 Service Guide via chinavisas.cn, shanghai.gov.cn (H)"),
    _spec("E_AGE_LIMIT", 422, f"Category B applicant over {B_AGE_LIMIT}", f"B类申请人超过{B_AGE_LIMIT}周岁",
          f"Category B is normally limited to {B_AGE_LIMIT} years of age; give a `relaxation_reason` (a "
          "guarantee letter) when the post genuinely needs the applicant.",
          "Classification standard (H)"),
    _spec("E_CATEGORY_MISMATCH", 422, "Claimed category does not match the evidence",
          "申请类别与材料不符",
          "The claimed category and qualification route do not fit the points or the evidence: "
          f"A by points needs {A_POINTS}, B by points {B_POINTS}; B by degree needs a bachelor's "
          "degree and two years of experience; the other A routes need a talent-category proof.",
          "Classification standard, 2017 points table (H)"),
    _spec("E_DOC_EXPIRED", 422, "Document too old", "材料已超过有效期",
          "The no-criminal-record certificate and the health certificate must be issued at most "
          f"{FRESHNESS_MONTHS} months before submission (counted from the issue date, not the "
          "legalisation date).",
          "sanwenwang.com; zssvisa.cn (M)"),
    _spec("E_CONTRACT_DATES", 422, "Contract dates are inconsistent", "合同期限不一致",
          "The contract must end after it starts, and after today's date on the tenant clock."),
    _spec("E_PERMIT_ALREADY_ACTIVE", 409, "The person already holds an active work permit",
          "该外国人已持有有效工作许可",
          "One active permit per person: a second concurrent permit is refused (part-time work for a "
          "second employer is not allowed). Cancel the existing permit first.",
          "nowshenzhen.com, Shanghai FAQ (M); the refusal ASSUMPTION"),
]

CATALOG: dict[str, ErrorSpec] = {spec.code: spec for spec in _SPECS}


RESERVED_FIELDS = frozenset({"type", "title", "status", "detail", "instance", "code", "field",
                             "title_zh", "detail_zh"})


@dataclass
class DomainError(Exception):
    """An error with a catalog code; ``detail``/``detail_zh`` say what went wrong this time."""

    code: str
    detail: str
    detail_zh: str
    field: str | None = None
    extra: dict[str, Any] = dc_field(default_factory=dict)
    headers: dict[str, str] = dc_field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CATALOG:
            raise KeyError(f"unknown error code {self.code}")
        clash = RESERVED_FIELDS & self.extra.keys()
        if clash:
            raise KeyError(f"extra fields would overwrite the problem's own: {sorted(clash)}")
        super().__init__(f"{self.code}: {self.detail}")

    @property
    def spec(self) -> ErrorSpec:
        return CATALOG[self.code]

    @property
    def status(self) -> int:
        return self.spec.status


def raise_all(errors: Iterable[DomainError]) -> None:
    """Raise the first of ``errors``, listing every one in its ``errors`` (code, field and detail
    in English and Chinese), or nothing when there are none. A filing that breaks several rules
    is told all of them at once, as a schema error lists every field; the problem's own code,
    status and field stay the first's, in the order the rules run."""
    found = list(errors)
    if found:
        first = found[0]
        first.extra["errors"] = [{"code": error.code, "field": error.field, "detail": error.detail,
                                  "detail_zh": error.detail_zh} for error in found]
        raise first


def not_found(what: str, ident: str, field_name: str | None = None) -> DomainError:
    return DomainError("E_NOT_FOUND", f"No {what} {ident} for this caller.",
                       f"不存在该{_ZH_NOUNS.get(what, what)}：{ident}。", field_name)


_ZH_NOUNS = {
    "application": "申请",
    "foreigner": "外国人",
    "work permit": "工作许可",
    "tenant": "租户",
    "notification letter": "工作许可通知",
    "insured person": "参保人员",
    "registration": "电子社保卡注册",
    "card": "社保卡",
    "employer": "用人单位",
    "callback": "回调",
    "delivery": "回调投递",
}
