"""The application-form fields (申请表填写项) of some demo items, by item name."""


def _f(
    key: str, label: str, kind: str = "text", required: bool = True, choices=(), help_text: str = ""
) -> dict:
    return {"key": key, "label": label, "type": kind, "required": required, "choices": list(choices),
            "help": help_text}  # fmt: skip


FORM_FIELDS: dict[str, list[dict]] = {
    "结婚登记": [
        _f("spouse_name", "对方姓名"),
        _f("spouse_id_number", "对方身份证号", "id_number", help_text="18位居民身份证号码"),
        _f("registration_date", "预约登记日期", "date", required=False),
    ],
    "个体工商户设立登记": [
        _f(
            "trade_name", "个体工商户名称", required=False, help_text="可不起字号；起字号的须符合名称登记规定"
        ),
        _f("premises", "经营场所", help_text="填写到门牌号，如：七里市人民路1号"),
        _f("business_scope", "经营范围", "textarea"),
        _f("capital", "资金数额（万元）", "number"),
        _f("form", "组成形式", "choice", choices=("个人经营", "家庭经营")),
        _f("operator_mobile", "经营者手机号码", "mobile"),
    ],
    "食品经营许可": [
        _f("premises", "经营场所", help_text="与营业执照登记的住所一致"),
        _f("category", "主体业态", "choice", choices=("食品销售经营者", "餐饮服务经营者", "单位食堂")),
        _f("area", "经营场所面积（平方米）", "number"),
        _f("safety_officer", "食品安全管理人员姓名"),
    ],
    "出生登记": [
        _f("child_name", "新生儿姓名"),
        _f("birth_date", "出生日期", "date"),
        _f("birth_certificate_no", "出生医学证明编号", help_text="出生医学证明右上角的编号"),
        _f("guardian_relation", "申报人与新生儿关系", "choice", choices=("父亲", "母亲", "其他监护人")),
    ],
    "居住证签发": [
        _f("residence_address", "居住地址", help_text="在本市居住的详细地址"),
        _f("since", "来本市居住日期", "date"),
        _f("reason", "申领事由", "choice", choices=("就业", "就读", "居住")),
    ],
    "失业保险金申领": [
        _f("former_employer", "原工作单位名称"),
        _f("separation_date", "解除或终止劳动合同日期", "date"),
        _f("contact_mobile", "联系电话", "mobile"),
    ],
    "住房公积金提取（租房）": [
        _f("rental_address", "租赁房屋地址"),
        _f("monthly_rent", "月租金（元）", "number"),
        _f("note", "补充说明", "textarea", required=False),
    ],
    "异地就医备案": [
        _f("province", "就医地省份"),
        _f(
            "kind", "备案类型", "choice", choices=("异地长期居住", "常驻异地工作", "异地转诊", "临时外出就医")
        ),
        _f("start", "备案开始日期", "date"),
    ],
}
