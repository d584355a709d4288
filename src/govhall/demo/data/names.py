"""Material for deterministic, fictitious Chinese personal names (surname + one or two characters)."""

# The most common surnames, roughly by frequency (repeats make the frequent ones likelier).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "王李张刘陈杨黄赵吴周"
)

# Characters used in given names, split so that two-character names read naturally.
GIVEN_FIRST = "建国志明德文晓海春秋国玉永红丽俊佳子思雨嘉宇浩欣梓一家天世小立新光桂淑秀兴"
GIVEN_SECOND = "华军平强伟敏静芳娟磊洋勇艳杰涛超明霞刚辉鹏飞玲婷琳燕峰丹波斌宁颖萍彬成林慧"
