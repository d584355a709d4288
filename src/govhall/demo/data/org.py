"""The demo city: 七里市政务服务中心 in 七里新区政务大楼, its departments, sites and windows.

Everything here is fictitious (names of people, phones, region codes); the department names are the
usual Chinese municipal ones and the structure follows the centre director's report.
"""

CITY = "七里市"
REGION_CODE = "511799"  # fictitious prefecture-level code (no real 5117xx county uses 99)
AREA_CODE = "0817"
CENTRE_ADDRESS = "七里新区政务大楼（七里大道168号）"
CENTRE_HOURS = "周一至周五 9:00—12:00，13:30—17:00（法定节假日除外）"
TOWNSHIP_HOURS = "周一至周五 8:30—12:00，14:00—17:30"
VILLAGE_HOURS = "逢场日 8:00—12:00"
COMMUNITY_HOURS = "周一至周六 8:30—12:00，14:00—17:30"

# (code, name, short name, kind). Order = display order.
DEPARTMENTS: list[tuple[str, str, str, str]] = [
    ("ZWZX", "七里市政务服务中心", "政务中心", "centre"),
    ("JYZX", "七里市公共资源交易中心", "交易中心", "centre"),
    ("WGZX", "七里市政务服务网络管理中心", "网管中心", "centre"),
    ("FGJ", "七里市发展和改革局", "发改局", "stationed"),
    ("JXJ", "七里市经济和信息化局", "经信局", "stationed"),
    ("JYJ", "七里市教育局", "教育局", "stationed"),
    ("GAJ", "七里市公安局", "公安局", "stationed"),
    ("MZJ", "七里市民政局", "民政局", "stationed"),
    ("SFJ", "七里市司法局", "司法局", "stationed"),
    ("CZJ", "七里市财政局（财政投资评审中心）", "财政评审", "stationed"),
    ("ZJZ", "七里市建设工程招投标造价管理站", "招投标造价", "stationed"),
    ("RSJ", "七里市人力资源和社会保障局", "人社局", "stationed"),
    ("ZRJ", "七里市自然资源和规划局", "自然资源和规划局", "stationed"),
    ("HBJ", "七里市生态环境局", "生态环境局", "stationed"),
    ("ZJJ", "七里市住房和城乡建设局", "住建局", "stationed"),
    ("JTJ", "七里市交通运输局", "交通运输局", "stationed"),
    ("SLJ", "七里市水务局", "水务局", "stationed"),
    ("NYJ", "七里市农业农村局", "农业农村局", "stationed"),
    ("SWU", "七里市商务局", "商务局", "stationed"),
    ("WLJ", "七里市文化广电旅游局", "文广旅局", "stationed"),
    ("WJW", "七里市卫生健康委员会", "卫健委", "stationed"),
    ("YJJ", "七里市应急管理局", "应急管理局", "stationed"),
    ("SCJ", "七里市市场监督管理局", "市场监管局", "stationed"),
    ("CGJ", "七里市城市管理综合执法局", "城管执法局", "stationed"),
    ("GJJ", "七里市住房公积金管理中心", "公积金中心", "stationed"),
    ("TYJ", "七里市退役军人事务局", "退役军人局", "stationed"),
    ("RFB", "七里市人民防空办公室", "人防办", "stationed"),
    ("QXJ", "七里市气象局", "气象局", "stationed"),
    ("LYJ", "七里市林业局", "林业局", "stationed"),
    ("CLH", "七里市残疾人联合会", "残联", "stationed"),
    ("SBJ", "七里市社会保险事业管理局", "社保局", "sub_centre"),
    ("YBJ", "七里市医疗保障局", "医保局", "sub_centre"),
    ("SWJ", "国家税务总局七里市税务局", "税务局", "sub_centre"),
    ("CGS", "七里市公安局交通警察支队车辆管理所", "车管所", "sub_centre"),
    ("GDJ", "国网七里供电公司", "供电公司", "utility"),
    ("ZLS", "七里市自来水有限公司", "自来水公司", "utility"),
    ("RQG", "七里市燃气有限公司", "燃气公司", "utility"),
    ("GDW", "广电网络七里分公司", "广电网络", "utility"),
]

# Sub-centres of the report, each run by one department. Tax collection (国税/地税) merged in 2018
# into one 税务局; we keep the report's two sub-centre names, both run by the merged bureau.
# (site code, name, department code, address)
SUB_CENTRES: list[tuple[str, str, str, str]] = [
    ("QLSB", "社会保险分中心", "SBJ", "七里市滨江路32号"),
    ("QLYB", "医疗保险分中心", "YBJ", "七里市滨江路34号"),
    ("QLGS", "国税征管分中心", "SWJ", "七里市人民南路88号"),
    ("QLDS", "地税征管分中心", "SWJ", "七里市文峰路15号"),
    ("QLCG", "车辆管理分中心", "CGS", "七里市环城北路200号"),
]

# Windows of each sub-centre: (name, prefix) — numbered 01.. at that site.
SUB_CENTRE_WINDOWS: dict[str, list[str]] = {
    "QLSB": ["参保登记", "待遇申领", "社保卡服务"],
    "QLYB": ["医保参保", "医保报销"],
    "QLGS": ["办税服务", "发票服务"],
    "QLDS": ["综合办税"],
    "QLCG": ["机动车登记", "驾驶证业务"],
}

# Townships: (code, name, is street, market-day digits for its villages, villages / communities).
# Market days are the last digits of the day of month (逢一四七 → "147"; "0369" = 3rd, 6th, 9th, 10th …).
TOWNSHIPS: list[tuple[str, str, bool, str, list[str]]] = [
    ("QL01", "滨江街道", True, "", ["滨江社区", "望江社区", "白塔社区"]),
    ("QL02", "文峰街道", True, "", ["文峰社区", "书院社区", "南门社区"]),
    ("QL03", "龙门街道", True, "", ["龙门社区", "新华社区", "朝阳社区"]),
    ("QL04", "桂花镇", False, "147", ["桂花村", "红星村", "新桥村", "石龙村"]),
    ("QL05", "青石镇", False, "258", ["青石村", "大田村", "柳湾村", "黄桷村"]),
    ("QL06", "白鹤镇", False, "369", ["白鹤村", "松林村", "高庙村", "双堰村"]),
    ("QL07", "金鸡镇", False, "147", ["金鸡村", "凤凰村", "水口村", "庙坝村"]),
    ("QL08", "双河镇", False, "258", ["双河村", "石堰村", "团结村", "茶园村"]),
    ("QL09", "石桥乡", False, "0369", ["石桥村", "观音村", "碑垭村"]),
    ("QL10", "柏林乡", False, "0369", ["柏林村", "檬子村", "龙泉村"]),
]

# Township-centre windows (民政, 计生, 农业服务, 劳动保障, 广电 items of the report).
TOWNSHIP_WINDOWS: list[tuple[str, str]] = [
    ("民政计生", "民政和卫生健康服务"),
    ("农业劳保", "农业服务和劳动保障"),
]

# Community stations directly under the centre (city core, no street office above them).
CENTRE_COMMUNITIES: list[str] = ["七里新区第一社区", "七里新区第二社区"]

# Centre windows by department: (department code, ticket prefix, [window names]).
CENTRE_WINDOWS: list[tuple[str, str, list[str]]] = [
    ("ZWZX", "A", ["综合受理一", "综合受理二", "综合受理三", "综合受理四", "综合出件"]),
    ("SCJ", "B", ["企业开办", "企业开办", "食品药品许可", "特种设备与计量"]),
    ("SWJ", "B", ["企业开办涉税"]),
    ("FGJ", "C", ["投资项目审批"]),
    ("ZRJ", "C", ["建设用地规划", "不动产登记", "不动产登记"]),
    ("ZJJ", "C", ["建设工程许可", "房产与资质"]),
    ("HBJ", "C", ["环境影响评价"]),
    ("SLJ", "C", ["水务审批"]),
    ("RFB", "C", ["人防工程"]),
    ("CZJ", "C", ["财政投资评审"]),
    ("ZJZ", "C", ["招投标造价"]),
    ("GAJ", "D", ["户籍与身份证", "出入境", "治安许可"]),
    ("MZJ", "E", ["婚姻登记", "社会组织与救助"]),
    ("RSJ", "E", ["就业创业", "劳动关系"]),
    ("WJW", "E", ["医疗卫生许可"]),
    ("JYJ", "E", ["教育审批"]),
    ("TYJ", "E", ["退役军人服务"]),
    ("SFJ", "E", ["法律援助"]),
    ("CLH", "E", ["残疾人服务"]),
    ("JTJ", "F", ["道路运输许可", "从业资格"]),
    ("NYJ", "F", ["农业农村审批"]),
    ("LYJ", "F", ["林业审批"]),
    ("WLJ", "F", ["文化旅游许可"]),
    ("YJJ", "F", ["安全生产许可"]),
    ("CGJ", "F", ["城管审批"]),
    ("SWU", "F", ["商务服务"]),
    ("JXJ", "F", ["经信服务"]),
    ("QXJ", "F", ["防雷审批"]),
    ("GJJ", "G", ["公积金提取", "公积金贷款"]),
    ("GDJ", "H", ["用电报装"]),
    ("ZLS", "H", ["用水报装"]),
    ("RQG", "H", ["燃气报装"]),
    ("GDW", "H", ["有线电视与宽带"]),
    ("JYZX", "J", ["交易登记", "保证金服务"]),
]
