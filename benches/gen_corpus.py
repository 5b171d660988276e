#!/usr/bin/env python3
"""Deterministic synthetic corpus of Chinese bank/insurer call-centre calls.

Writes canonical callint JSONL, one call per line:

  {"call_id": "...", "agent_id": "...", "started_at": "...+08:00",
   "utterances": [{"role": "agent", "text": "...", "start": 0.0, "end": 2.1}, ...]}

Python standard library only, no network.  Same --seed and --size give the same
bytes, whatever --jobs is.

  python3 benches/gen_corpus.py --size 200M -o target/bench-data/calls-200M.jsonl
  python3 benches/gen_corpus.py --size 1G -o target/bench-data/calls-1G.jsonl --gzip
  python3 benches/gen_corpus.py --size 1G -o calls.jsonl.gz      # gzip only
  python3 benches/gen_corpus.py --size 10M -o - | head           # stdout

What is in it (per agent utterance, roughly): ~1.5% contain a violation
(forbidden service phrases, return promises, asking for a code or password),
~1% contain a hard negative (不保本, 请不要透露验证码, 确保本金安全, ...).  ASR
flavour: fillers (嗯 啊 那个 呃), dropped punctuation, stray spaces, digits read
out as characters, and a small share of noise *inside* violation phrases
(a space or filler between characters) that only a normalising linter matches.
With --stats, counts of injected violations are printed to stderr.
"""

import argparse
import gzip
import multiprocessing
import os
import random
import sys
import time

CHUNK_CALLS = 2000  # calls per deterministic chunk (seeded by seed and chunk index)

# --------------------------------------------------------------------------------------
# Slot vocabularies.  Every template below may use {slot} for any key of the per-call
# slot dict built by make_slots(); values are consistent within one call.
# --------------------------------------------------------------------------------------

BANKS = [
    "招商银行", "工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "浦发银行",
    "中信银行", "光大银行", "民生银行", "兴业银行", "平安银行", "华夏银行", "广发银行",
    "邮储银行", "北京银行", "上海银行", "江苏银行", "宁波银行", "杭州银行", "南京银行",
    "徽商银行", "渤海银行", "浙商银行", "恒丰银行", "长沙银行", "成都银行", "重庆银行",
]
INSURERS = [
    "中国人寿", "平安人寿", "太平洋保险", "新华保险", "泰康人寿", "太平人寿", "人保寿险",
    "阳光保险", "友邦保险", "大家保险", "中邮人寿", "富德生命人寿", "前海人寿", "华泰保险",
]
CENTRES = ["客服中心", "信用卡中心", "客户服务热线", "远程银行中心", "财富管理热线", "95服务热线"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红玲鹏飞斌宇浩凯健俊帆帅旭宁龙林欣怡婷雪颖琳晨辉波峰云海燕梅莉婧倩")
WEALTH = [
    "朝朝宝", "日日盈", "稳健添利", "安心享", "天天利", "季季丰", "月月赢", "鑫享", "睿远",
    "聚益", "添福", "丰裕", "鑫益", "悦享", "慧盈", "恒利", "金钥匙", "乐享", "安盈", "颐享",
]
WEALTH_SUFFIX = ["一号", "二号", "三号", "A款", "B款", "180天", "90天", "365天", "最短持有30天", "半年开放", "第5期", "第12期", "固收增强"]
WEALTH_KIND = ["理财产品", "净值型理财", "固收类产品", "现金管理类产品", "结构性存款", "基金", "大额存单"]
INS_PRODUCTS = [
    "金福年年", "鑫享未来", "福满堂", "安康无忧", "守护一生", "康宁终身", "百万医疗", "少儿成长",
    "金瑞人生", "尊享e生", "御享财富", "盛世金越", "爱相随", "福禄双全", "颐养天年",
]
INS_KIND = ["两全保险", "终身寿险", "年金保险", "重大疾病保险", "医疗保险", "意外伤害保险", "增额终身寿"]
CARD_KIND = ["借记卡", "储蓄卡", "工资卡", "社保卡", "一类户", "二类户"]
CC_KIND = ["白金卡", "金卡", "普卡", "联名信用卡", "经典白", "标准卡", "钛金卡", "无限卡", "车主卡", "留学生卡"]
LOAN_KIND = ["房贷", "车贷", "经营贷", "消费贷", "装修贷", "公积金贷款", "闪电贷", "个人信用贷款"]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "重庆", "天津", "苏州", "长沙", "郑州", "青岛", "厦门", "合肥", "济南", "福州", "昆明", "大连", "宁波", "沈阳", "南宁"]
DISTRICTS = ["朝阳区", "海淀区", "浦东新区", "天河区", "南山区", "西湖区", "鼓楼区", "武侯区", "江汉区", "雁塔区", "渝中区", "和平区", "高新区", "经开区"]
BRANCH_SUFFIX = ["支行", "营业部", "分行营业部", "社区支行", "分理处"]
APPS = ["手机银行", "掌上生活", "网上银行", "微信公众号", "小程序", "APP", "个人网银"]
MERCHANTS = ["京东", "淘宝", "美团", "拼多多", "携程", "滴滴", "抖音商城", "苏宁", "盒马", "山姆会员店", "加油站", "超市", "便利店", "医院", "学校", "物业"]
FEES = ["年费", "短信提醒费", "小额账户管理费", "跨行转账手续费", "取现手续费", "分期手续费", "违约金", "挂失手续费", "工本费"]
CN_DIGIT = "零幺二三四五六七八九"
CN_DIGIT2 = "零一二三四五六七八九"
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日", "星期一", "星期三", "星期五"]


def _digits(rng, n):
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _spoken(rng, s):
    """Digits as an ASR engine often writes them when read out one by one."""
    if rng.random() < 0.5:
        return s
    table = CN_DIGIT if rng.random() < 0.6 else CN_DIGIT2
    return "".join(table[ord(c) - 48] if "0" <= c <= "9" else c for c in s)


def _amount(rng):
    r = rng.random()
    if r < 0.3:
        return "%d元" % rng.choice([50, 88, 100, 120, 200, 260, 300, 500, 580, 680, 800, 999])
    if r < 0.55:
        return "%d.%02d元" % (rng.randrange(10, 9000), rng.randrange(100))
    if r < 0.75:
        return "%d块%s" % (rng.randrange(10, 5000), rng.choice(["", "钱", "多", "左右"]))
    if r < 0.9:
        return "%d万" % rng.choice([1, 2, 3, 5, 8, 10, 20, 30, 50, 100, 150, 200])
    return "%s万%s千" % (rng.choice("一两三四五六七八九"), rng.choice("一两三四五六七八九"))


def make_slots(rng, call_no):
    is_ins = rng.random() < 0.25
    org = rng.choice(INSURERS) if is_ins else rng.choice(BANKS)
    sur = rng.choice(SURNAMES)
    month = rng.randrange(1, 13)
    day = rng.randrange(1, 29)
    wealth = rng.choice(WEALTH) + rng.choice(WEALTH_SUFFIX)
    ins = rng.choice(INS_PRODUCTS) + rng.choice(INS_KIND)
    city = rng.choice(CITIES)
    return {
        "org": org,
        "centre": rng.choice(CENTRES),
        "agent_no": _digits(rng, rng.choice([4, 5, 6])),
        "agent_sur": rng.choice(SURNAMES),
        "sur": sur,
        "name": sur + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
        "title": rng.choice(["先生", "女士"]),
        "id4": _spoken(rng, _digits(rng, 3) + rng.choice("0123456789X")),
        "card4": _spoken(rng, _digits(rng, 4)),
        "phone4": _spoken(rng, _digits(rng, 4)),
        "phone": _spoken(rng, "1" + rng.choice("3578") + _digits(rng, 9)),
        "amount": _amount(rng),
        "amount2": _amount(rng),
        "limit": "%d万" % rng.choice([1, 2, 3, 5, 6, 8, 10, 12, 15, 20, 30, 50]),
        "rate": "%d.%02d%%" % (rng.randrange(1, 5), rng.randrange(100)),
        "rate2": "%s.%s" % (rng.randrange(2, 5), rng.randrange(10, 99)),
        "date": "%d月%d号" % (month, day),
        "date2": "%d月%d号" % (rng.randrange(1, 13), rng.randrange(1, 29)),
        "bill_day": "%d号" % rng.randrange(1, 29),
        "due_day": "%d号" % rng.randrange(1, 29),
        "weekday": rng.choice(WEEKDAYS),
        "days": str(rng.choice([3, 5, 7, 10, 15, 30])),
        "hours": str(rng.choice([24, 48, 72])),
        "term": str(rng.choice([3, 6, 12, 18, 24, 36])),
        "years": str(rng.choice([1, 3, 5, 10, 15, 20, 30])),
        "wealth": wealth,
        "wealth_kind": rng.choice(WEALTH_KIND),
        "risk": rng.choice(["R1", "R2", "R3", "R4", "PR2", "PR3", "二级", "三级", "中低风险", "中风险"]),
        "ins": ins,
        "ins_short": ins[:4],
        "card_kind": rng.choice(CARD_KIND),
        "cc_kind": rng.choice(CC_KIND),
        "loan": rng.choice(LOAN_KIND),
        "city": city,
        "branch": city + rng.choice(DISTRICTS) + rng.choice(["人民路", "解放路", "中山路", "建设路", "科技园", "新华路", "长江路", "和平里"]) + rng.choice(BRANCH_SUFFIX),
        "app": rng.choice(APPS),
        "merchant": rng.choice(MERCHANTS),
        "fee": rng.choice(FEES),
        "ticket": _digits(rng, rng.choice([8, 10, 12])),
        "points": str(rng.randrange(1, 200) * 100),
        "minutes": str(rng.choice([5, 10, 15, 20, 30])),
    }


# --------------------------------------------------------------------------------------
# Dialogue material.  An exchange is a list of (role, [alternative texts]); A = agent,
# C = customer.  Topics are lists of exchanges; a call picks a topic (sometimes two) and
# samples exchanges from it.
# --------------------------------------------------------------------------------------

A, C = "agent", "customer"

GREETING = [
    "您好，{org}{centre}，工号{agent_no}为您服务，请问有什么可以帮您？",
    "您好，这里是{org}{centre}，很高兴为您服务，请问有什么可以帮到您？",
    "您好，{org}，我是{agent_no}号客服专员，请问您需要办理什么业务？",
    "您好{org}{centre}，请问有什么可以帮您",
    "您好，欢迎致电{org}，我是客服{agent_sur}小姐，请问怎么称呼您？",
    "您好，{org}客服{agent_no}号很高兴为您服务，请讲。",
    "喂您好，{org}{centre}，请问有什么需要帮助的吗？",
    "您好，感谢您的耐心等待，{org}{centre}工号{agent_no}，请问有什么可以帮您？",
    "您好，{org}{centre}，请问是{sur}{title}吗？我这边是您的专属客户经理，工号{agent_no}。",
]
CUST_OPEN = [
    "喂，你好，我想问一下我的{card_kind}的事情",
    "你好，我想咨询一下信用卡的问题",
    "喂你好我想查一下我这个月的账单",
    "你好，我昨天买的那个理财我想问一下",
    "喂，我想问一下我那个{loan}的事",
    "嗯你好，我想问下保险理赔要怎么弄",
    "你好，我想投诉一下",
    "哎你好，我的卡好像被冻结了",
    "你好，我想问一下那个{wealth}现在收益怎么样",
    "喂喂，听得到吗？我想问个事情",
    "你好，我收到一条短信说我的信用卡要扣{fee}，这是怎么回事？",
    "你好，我想提前还款，要怎么操作",
    "喂，你好，我是在你们{branch}开的户，想问一下",
    "你好，我刚刚转账转错了，怎么办啊",
    "嗯，那个，我想把我的保单退掉",
    "你好，我手机银行登不上去了",
    "你好，我想改一下我预留的手机号",
    "我想问一下我的额度为什么降了",
    "你好，我在{merchant}刷卡刷不了，提示交易失败",
    "你好我想办个分期",
]
VERIFY = [
    [(A, ["好的，为了保障您的账户安全，需要先核实一下您的身份，请问您的姓名是？", "好的{title}，先跟您核实一下身份信息，请问怎么称呼您？", "可以的，麻烦您先提供一下持卡人的姓名", "好的，请问是本人来电吗？麻烦说一下您的全名"]),
     (C, ["我叫{name}", "{name}", "是本人，{name}", "我是{name}啊", "对我本人，叫{name}"])],
    [(A, ["好的{sur}{title}，请您提供一下身份证号码的后四位", "麻烦您报一下身份证号后四位", "{sur}{title}您好，请问您身份证最后四位是多少？", "请提供一下证件号码的末四位"]),
     (C, ["{id4}", "后四位是{id4}", "嗯{id4}", "是{id4}吧", "{id4}，最后一位是X"])],
    [(A, ["请问您的卡号后四位是多少？", "麻烦提供一下您要查询的卡片后四位", "您说的是尾号多少的卡？", "请问是尾号为{card4}的这张卡吗？"]),
     (C, ["{card4}", "尾号{card4}", "对，就是那张", "是的是的", "嗯对，{card4}的"])],
    [(A, ["请问您预留的手机号码是多少？", "您现在用的是预留手机号码来电吗？", "请核对一下您预留手机号码的后四位", "我们系统里登记的号码尾号是{phone4}，是您本人在用吗？"]),
     (C, ["{phone}", "是的，就是这个号", "对，一直用这个", "后四位{phone4}", "不是，我换了个号，原来那个不用了"])],
    [(A, ["好的，身份核实通过，感谢您的配合。", "好的，信息核对无误，谢谢您。", "好的{sur}{title}，核实通过了，您请讲。", "感谢您的配合，已经核实完毕。"])],
]

TOPICS = {
    "card": [
        [(C, ["我的卡好像被冻结了，转账转不出去", "我这张卡今天取钱取不出来", "我的卡显示状态异常，是怎么回事", "我昨天在{merchant}付款一直提示交易受限"]),
         (A, ["好的，我这边帮您查询一下卡片状态，请稍等。", "您别着急，我帮您看一下，麻烦稍等一下。", "好的，稍等，正在为您查询。"]),
         (A, ["{sur}{title}，系统显示您这张卡是因为长期未使用被设置为只收不付了，需要您本人携带身份证到网点解除。", "查到了，您这张卡因为涉及风险交易被暂时管控了，需要您到开户行{branch}核实一下交易背景。", "经查询，您的卡片状态正常，交易失败是因为超过了单日限额{amount}。", "您的卡是因为密码连续输错三次被锁定了，次日零点会自动解锁。"]),
         (C, ["那我要去哪个网点啊？", "啊？那我现在急着用钱怎么办", "为什么要冻结我的卡啊，我又没干什么", "那我明天再试一下", "我在外地，回不去怎么办"])],
        [(C, ["我想挂失一下我的卡", "我的卡丢了，怎么办", "我钱包被偷了，卡也在里面", "卡找不到了要挂失"]),
         (A, ["好的，我这边先帮您办理临时挂失，临时挂失有效期是{days}天，请您在有效期内到网点办理正式挂失和补卡。", "请您别着急，我马上帮您做口头挂失，挂失后卡片就不能使用了。", "好的，为了资金安全，建议您立即挂失，我这边帮您操作。"]),
         (C, ["好的好的，麻烦你了", "补卡要多少钱啊", "正式挂失要带什么东西", "挂失了之后里面的钱还在吧"]),
         (A, ["卡里的资金是不受影响的，您放心。", "补卡需要收取工本费{amount}，具体以网点为准。", "正式挂失需要您本人携带有效身份证件到任意网点办理。", "已经为您挂失成功了，挂失编号是{ticket}。"])],
        [(C, ["我想问一下你们的转账限额是多少", "手机银行一天最多能转多少钱", "我想把转账额度调高一点"]),
         (A, ["手机银行默认的单笔限额是{limit}，日累计限额是{limit}，您可以在{app}的安全中心里自行调整。", "您可以登录{app}，在“我的”-“安全设置”-“转账限额”里面修改，调整后立即生效。", "限额调整需要使用U盾或者到柜台办理，超过{limit}的需要到网点。"]),
         (C, ["哦好的，我去看看", "那个在哪里找啊", "能不能你帮我直接调一下", "好，明白了"])],
        [(C, ["我的卡为什么扣了{fee}", "这个月怎么被扣了一笔{amount}的费用", "我没有开通短信通知怎么也收费"]),
         (A, ["我帮您查一下，这笔是{fee}，是按季度收取的。", "这个费用是您卡片的{fee}，如果日均资产达到一定标准是可以减免的。", "查到了，您的卡开通了短信提醒服务，每月收费两元。"]),
         (C, ["我都不知道有这个费用", "能不能帮我免掉", "我要取消这个服务", "那以后还会扣吗"]),
         (A, ["我这边可以帮您提交减免申请，结果会在{days}个工作日内通知您。", "可以帮您取消，取消后下个月开始就不再收取了。", "这个我帮您记录下来，后续会有专人跟您联系。"])],
        [(C, ["我刚刚转账转错了人", "我转账的时候账号输错了一位", "钱转错了能不能追回来"]),
         (A, ["您先别着急，请问是什么时候转的账？金额是多少？", "请问这笔转账是跨行还是本行的？对方户名您知道吗？"]),
         (C, ["就刚刚十分钟前，转了{amount}", "今天上午，{amount2}", "是跨行的，转到{org}的"]),
         (A, ["如果对方账户是存在的，资金已经到账的话，我们这边是不能直接退回的，需要联系收款人协商退还，或者通过法律途径解决。", "我这边帮您发起一个查询，看看这笔资金的状态，有结果会短信通知您。", "本行转账可以帮您联系对方开户网点协助沟通，但需要对方同意才能退回。"])],
    ],
    "credit": [
        [(C, ["我想查一下这个月的账单", "我这期账单是多少钱", "我的信用卡什么时候还款"]),
         (A, ["好的，您本期账单金额是{amount}，最低还款额是{amount2}，到期还款日是{due_day}。", "您的账单日是每月{bill_day}，还款日是每月{due_day}，本期应还{amount}。", "我看一下，您这期账单还没出，目前已入账未出账单的金额是{amount}。"]),
         (C, ["这么多？我没花这么多啊", "好的，那我按时还", "最低还款有利息吗", "能不能帮我把账单明细发一下"]),
         (A, ["如果选择最低还款，未还部分会从记账日起按日万分之五计收利息。", "明细可以在{app}的账单查询里看到，也可以帮您发送电子账单到邮箱。", "我帮您逐笔核对一下，请您稍等。"])],
        [(C, ["我想把这笔消费分期", "能不能把账单分{term}期", "分期的手续费是多少"]),
         (A, ["可以的，账单分期可以选择3期、6期、12期和24期，分{term}期每期手续费率是{rate2}‰。", "这笔{amount}的消费可以办理分期，分{term}期的话每期本金加手续费大概是{amount2}。", "目前分期有优惠活动，手续费打八折，您看需要办理吗？"]),
         (C, ["那算下来年化是多少", "好，那就分{term}期吧", "我再考虑一下", "提前还分期要收违约金吗"]),
         (A, ["折算年化利率大约是{rate}，具体以合同为准。", "好的，已经为您办理成功，首期会在下个账单日入账。", "提前结清的话剩余未收取的手续费是不再收取的，但是已经入账的不退。"])],
        [(C, ["我的额度能不能提一下", "我想提额", "为什么我的额度降了", "我的临时额度到期了"]),
         (A, ["我帮您看一下，目前系统评估您的卡片暂时不符合提额条件，建议您保持良好的用卡习惯，{days}天后再申请。", "可以帮您申请临时额度，临时额度最高可以提到{limit}，有效期是{days}天。", "额度是系统根据您的综合情况评估的，降额可能与近期用卡情况有关。"]),
         (C, ["我每个月都按时还的啊", "那什么时候能提", "好吧，那给我提个临时的", "你们这个评估标准是什么"]),
         (A, ["具体的评估标准涉及多方面因素，我这边也没办法看到全部的细节，还请您谅解。", "已经为您提交了申请，审批结果会以短信的形式告知您。", "建议您多使用信用卡消费并按时还款，系统会定期评估。"])],
        [(C, ["我这个月忘记还款了，会不会影响征信", "我逾期了两天怎么办", "我现在还不上，能不能晚几天还"]),
         (A, ["我们有三天的还款宽限期，如果您在宽限期内还清，是不会上报征信的。", "建议您尽快还款，逾期会产生违约金和利息，并可能影响您的个人信用记录。", "如果确实有困难，可以帮您申请个性化分期还款，需要提交相关证明材料。"]),
         (C, ["那我今天就还", "违约金是多少", "我是真的有困难，最近失业了", "能不能把违约金免了"]),
         (A, ["违约金是最低还款额未还部分的百分之五。", "我理解您的情况，我这边帮您登记一下，会有专员在{hours}小时内联系您。", "这个需要提交减免申请，我帮您反馈，但结果不能保证，请您理解。"])],
        [(C, ["我的积分怎么用", "积分能兑换什么", "我有多少积分", "积分快过期了"]),
         (A, ["您目前的可用积分是{points}分，可以在{app}的积分商城兑换礼品或者抵扣年费。", "积分可以兑换航空里程、商品、话费等，部分商户还能积分抵现。", "您的积分有效期是五年，最早一批积分会在{date}到期。"]),
         (C, ["好的我去看看", "能换机票吗", "怎么抵扣年费"])],
        [(C, ["我在{merchant}有一笔消费我不认识", "这笔{amount}的交易不是我刷的", "我的卡被盗刷了"]),
         (A, ["请您不要着急，我先帮您把卡片冻结，避免进一步损失。", "请问您的卡片现在在您身边吗？最近有没有在陌生的网站输入过卡号信息？", "这笔交易是{date}在{merchant}发生的，金额{amount}，请您确认一下。"]),
         (C, ["卡就在我手上", "没有啊，我都没用过这张卡", "我也不确定，可能是我家人刷的", "那钱能不能退回来"]),
         (A, ["我这边帮您提交争议交易调查，调查周期大约是{days}个工作日，请您保持电话畅通。", "建议您尽快报警并保留报警回执，这个对后续处理有帮助。", "已经为您冻结卡片并补发新卡，新卡会在{days}个工作日内寄出。"])],
    ],
    "loan": [
        [(C, ["我想提前还一部分{loan}", "我的房贷能不能提前还", "提前还款要收违约金吗"]),
         (A, ["可以提前还款，需要提前{days}天在{app}或者到贷款经办行预约。", "您的贷款合同约定满一年后提前还款不收取违约金，目前已经满足条件。", "提前还款分为部分提前还款和全部结清，部分提前还款后可以选择缩短期限或者减少月供。"]),
         (C, ["那我选缩短期限划算一点吧", "预约完多久能还", "要带什么材料", "那利息怎么算"]),
         (A, ["一般来说缩短期限节省的利息更多，不过具体还是要看您的资金安排。", "预约成功后在约定日期保证还款账户余额充足，系统会自动扣款。", "利息按实际占用天数计算，截至还款日的利息需要一并结清。"])],
        [(C, ["我的房贷利率现在是多少", "LPR降了我的利率会降吗", "我的月供怎么变了"]),
         (A, ["您的贷款执行利率是{rate}，是在LPR基础上加点确定的，每年{date}调整一次。", "您的利率重定价日是每年的1月1日，到时候会按最新的LPR自动调整。", "月供变化是因为利率调整，调整后每月还款额是{amount}。"]),
         (C, ["能不能把利率降一点", "别的银行都降了，你们怎么不降", "好的明白了"]),
         (A, ["存量房贷利率调整是按照统一政策执行的，我这边帮您记录一下诉求。", "您的反馈我已经记录了，会转交给相关部门。"])],
        [(C, ["我想申请一笔消费贷", "你们的信用贷利息多少", "我想借{limit}周转一下"]),
         (A, ["我们目前的个人信用贷款年化利率是{rate}起，最高可以申请{limit}，期限最长{term}个月。", "您可以在{app}上直接申请，系统会根据您的情况给出预审批额度。", "贷款资金不能用于购房、投资理财和股票，请您按照约定用途使用。"]),
         (C, ["需要抵押吗", "多久能放款", "我公积金交了三年，可以吗", "有没有手续费"]),
         (A, ["这款产品是纯信用的，不需要抵押担保。", "审批通过后最快当天就可以放款到您的账户。", "具体额度和利率以系统审批结果为准，我这边没办法提前承诺。"])],
        [(C, ["我这个月扣款失败了", "月供没扣成功怎么办", "我卡里有钱为什么没扣"]),
         (A, ["我查了一下，{date}扣款的时候账户余额不足，差了{amount}。", "请您尽快存入足额资金，系统会在今天晚上再次发起扣款。", "扣款失败会产生罚息，建议您今天之内处理。"]),
         (C, ["我马上存进去", "那会不会影响征信啊", "我是今天早上才存的"])],
    ],
    "wealth": [
        [(C, ["我想买点理财，有什么推荐的", "现在有什么收益高一点的产品", "我有{amount}想存一下，怎么存划算"]),
         (A, ["好的，在推荐产品之前需要先了解一下您的风险承受能力，请问您做过风险测评吗？", "根据您的风险等级，目前可以购买的有{wealth}，是一款{wealth_kind}，风险等级{risk}，业绩比较基准是{rate}。", "如果您比较看重流动性的话，可以考虑{wealth}，支持随时申赎。"]),
         (C, ["我之前做过，好像是稳健型", "业绩比较基准是什么意思", "这个跟存款比哪个好", "收益能保证吗"]),
         (A, ["业绩比较基准不代表产品的未来表现和实际收益，只是一个参考。", "理财产品不同于存款，理财非存款、产品有风险、投资须谨慎，具体请仔细阅读产品说明书。", "这款产品过去一年的年化收益率大约在{rate}左右，但是历史业绩不代表未来。"]),
         (C, ["那还是有风险的嘛", "好，我再想想", "那我先买{amount}试试", "能赎回吗，要多久到账"]),
         (A, ["赎回申请提交后一般T+1个工作日到账。", "好的，购买需要您在{app}上自行操作，我这边可以指导您。", "是的，净值型产品的净值会有波动，您需要根据自己的情况选择。"])],
        [(C, ["我的理财怎么亏了", "我买的{wealth}净值跌了", "为什么收益比你们说的低那么多"]),
         (A, ["非常理解您的心情，近期债券市场波动较大，部分净值型产品的净值出现了阶段性回撤。", "我帮您查一下，您持有的{wealth}当前净值是{rate2}，累计收益率是{rate}。", "产品的业绩比较基准只是管理人设定的投资目标，不构成收益承诺。"]),
         (C, ["当时你们经理跟我说不会亏的", "那我现在要不要赎回", "我要投诉你们的理财经理", "什么时候能涨回来"]),
         (A, ["是否赎回需要您根据自身的资金需求和风险偏好来决定，我这边不能给您具体的投资建议。", "关于销售过程中的问题，我这边帮您登记投诉，会有专人在{days}个工作日内回复您。", "市场的走势我们没有办法预测，还请您理解。"])],
        [(C, ["大额存单现在利率多少", "我想存定期", "三年定期利率是多少"]),
         (A, ["目前三年期大额存单的年利率是{rate}，起存金额二十万。", "我们目前定期存款一年期是{rate}，三年期是{rate}，五年期是{rate}。", "大额存单可以转让，也可以提前支取，提前支取按活期利率计息。"]),
         (C, ["怎么又降了", "好的，我去网点存", "能在手机上买吗"]),
         (A, ["可以的，{app}上就可以直接购买。", "存款利率是根据市场情况调整的，您可以关注我们的最新公告。"])],
        [(C, ["我想赎回我的基金", "基金赎回要多久", "这个基金的手续费怎么收"]),
         (A, ["股票型基金赎回一般T+3个工作日到账，货币基金T+1。", "持有不满七天赎回会收取百分之一点五的惩罚性赎回费。", "申购费率是千分之{rate2}，目前线上购买一折优惠。"]),
         (C, ["好的知道了", "那我先不赎回了", "太贵了吧"])],
    ],
    "insurance": [
        [(C, ["我想问一下我的保险理赔", "我住院了，保险怎么报销", "我之前报的案，理赔进度怎么样了"]),
         (A, ["请问您的保单号是多少？或者提供投保人的身份证号也可以。", "您报案的案件号是{ticket}，目前正在审核中，预计{days}个工作日内会有结果。", "理赔需要提供出院小结、费用清单、发票原件以及被保险人的银行卡信息。"]),
         (C, ["保单号我找不到了", "发票原件我没拿到，复印件可以吗", "怎么这么慢啊", "好的我准备一下材料"]),
         (A, ["没关系，可以通过身份证号帮您查询保单。", "如果发票原件已经在其他地方报销，可以提供加盖报销章的复印件以及分割单。", "很抱歉让您久等了，我帮您催办一下，请您保持电话畅通。"])],
        [(C, ["我想退保", "这个保险我不想要了", "退保能退多少钱"]),
         (A, ["{sur}{title}，请问是什么原因想要退保呢？", "您的保单已经过了犹豫期，现在退保只能退还保单的现金价值，会有一定的损失。", "我帮您查一下，您的{ins}当前现金价值大约是{amount}，已交保费是{amount2}。"]),
         (C, ["当时说好的随时可以退", "我现在手头紧，需要用钱", "怎么才退这么点", "那我不退了"]),
         (A, ["如果您只是短期资金周转，也可以考虑保单贷款，最高可以贷现金价值的百分之八十。", "我理解您的心情，退保确实会有损失，建议您慎重考虑。", "如果您确定要退保，需要投保人携带身份证和保单到柜面办理。"])],
        [(C, ["我想给孩子买个保险", "你们有什么重疾险", "{ins_short}这个产品怎么样"]),
         (A, ["{ins}保障{years}年，涵盖一百多种重大疾病，首次确诊即可赔付基本保额。", "这款产品的交费期可以选择{years}年，年交保费大概{amount}。", "具体的保障责任和责任免除请您以保险合同条款为准，投保前请仔细阅读。"]),
         (C, ["有没有等待期", "能不能保证收益", "这个跟储蓄比怎么样"]),
         (A, ["等待期是九十天，等待期内确诊的不予赔付。", "分红是不保证的，演示利益仅供参考。", "保险主要是提供保障的，不建议您把它当作储蓄或者投资产品来比较。"])],
        [(C, ["我的保费怎么还没扣", "续期保费是什么时候交", "我想改一下缴费的银行卡"]),
         (A, ["您的续期交费日是{date}，宽限期六十天，请保证账户余额充足。", "修改交费账户可以在我们的{app}上操作，需要上传新卡的照片。", "我看到{date}扣费失败了，原因是余额不足，系统会在{days}天后再次扣款。"])],
    ],
    "complaint": [
        [(C, ["我要投诉你们的网点", "你们网点的服务太差了", "我在你们{branch}排了两个小时的队"]),
         (A, ["非常抱歉给您带来了不好的体验，请您详细说一下当时的情况，我帮您记录。", "{sur}{title}，非常理解您的心情，请问是哪一天在哪个网点办理的业务？", "真的很抱歉，我马上帮您登记，会有专人核实处理。"]),
         (C, ["就{date}下午，柜员态度特别差", "那个大堂经理一直让我买理财，我说不要还一直说", "我就办个很简单的业务，跑了三趟了", "我要求你们给我一个说法"]),
         (A, ["好的，已经为您登记了投诉，工单号是{ticket}，相关部门会在{days}个工作日内联系您。", "您反映的问题我已经如实记录，我们会严肃处理。", "再次向您表示歉意，您的意见对我们非常重要。"]),
         (C, ["那你们一定要处理啊", "多久给我回复", "好吧", "我还会打12378的"])],
        [(C, ["你们的手机银行老是闪退", "APP一直登录不上，提示网络异常", "我刷脸一直通不过"]),
         (A, ["给您带来不便非常抱歉，建议您先卸载后重新下载最新版本的{app}。", "请问您的手机是什么型号？系统版本是多少？我帮您反馈给技术部门。", "刷脸失败可能跟光线有关，您可以换一个光线充足的地方再试一下。"]),
         (C, ["我都试过了还是不行", "华为的，最新系统", "好的我再试试"])],
        [(C, ["你们老是给我打营销电话", "我不想再接到你们的推销电话了", "一天给我打了三个电话推销分期"]),
         (A, ["非常抱歉打扰到您了，我这边马上帮您登记，{days}天内不会再有营销电话打扰您。", "好的，已经为您设置了免打扰，后续营销类的电话和短信都不会再发送。"]),
         (C, ["好，谢谢", "这次一定要给我取消掉"])],
        [(C, ["我等了半个小时才接通", "转人工怎么这么难", "刚才那个客服把我电话挂了"]),
         (A, ["非常抱歉让您久等了，目前来电较多，感谢您的耐心。", "很抱歉给您带来了不好的体验，我这边会把情况反馈上去。"])],
    ],
    "account": [
        [(C, ["我想改一下预留手机号", "我换号了，怎么改预留手机号", "手机号不用了，收不到验证码"]),
         (A, ["修改预留手机号需要您本人携带身份证和银行卡到网点办理，或者在{app}通过人脸识别修改。", "如果原手机号还能收到短信，可以直接在{app}上修改。", "为了您的资金安全，预留手机号修改后二十四小时内转账额度会受到限制。"]),
         (C, ["原来的号已经停机了", "能不能电话里直接帮我改", "好的我去试一下"]),
         (A, ["很抱歉，电话渠道不能办理预留手机号的修改，需要您本人到网点办理。", "那就需要您到任意网点办理了，记得带上身份证。"])],
        [(C, ["我想开通境外取现", "我要出国，卡在国外能用吗", "我想办个外币账户"]),
         (A, ["您的卡是银联卡，在有银联标识的境外ATM都可以使用，每天境外取现额度等值一万元人民币。", "出国前建议您开通境外交易功能，并设置好交易限额。"]),
         (C, ["手续费多少", "好的，帮我开通一下"])],
        [(C, ["我想销户", "这张卡我不用了，怎么注销", "能不能在电话里销户"]),
         (A, ["销户需要本人携带身份证和银行卡到开户网点办理，如果卡里有余额会一并取出。", "注销前请先确认卡片没有绑定的自动扣款、理财或者贷款业务。"]),
         (C, ["必须去开户行吗", "好的，我抽空去一趟"])],
    ],
}

SMALLTALK = [
    [(A, ["好的，请您稍等，我帮您查询一下。", "请您稍等。", "嗯，好的，我看一下。", "稍等一下，系统有点慢。", "好的您稍等，我这边帮您核实。", "正在为您查询，请不要挂机。"]),
     (C, ["好", "嗯", "好的", "行", "嗯嗯好", "你查吧"])],
    [(A, ["感谢您的耐心等待。", "让您久等了。", "不好意思让您久等了。"])],
    [(C, ["喂？还在吗？", "喂，听得到吗", "你刚才说什么，我没听清"]),
     (A, ["在的在的，您请讲。", "能听到，您说。", "不好意思，我再跟您说一遍。", "在的，刚才信号不太好。"])],
    [(A, ["请问您还在吗？", "您那边能听清楚吗？"]),
     (C, ["在", "能听到", "你说"])],
    [(A, ["您看这样可以吗？", "这样解释您清楚了吗？", "请问您还有什么疑问吗？", "您这边是否清楚？"]),
     (C, ["可以", "清楚了", "嗯明白了", "还有一个问题", "差不多吧", "嗯嗯"])],
    [(C, ["那我再问一下", "还有就是", "对了", "哦对了，还有个事"]),
     (A, ["您请讲。", "好的，您说。", "嗯，您说。"])],
    [(C, ["你们这个也太麻烦了", "怎么这么复杂啊", "我年纪大了搞不懂这些"]),
     (A, ["理解您的感受，我一步一步跟您说。", "没关系，我慢慢跟您讲。", "很抱歉给您带来不便。", "是的，这样规定主要是为了保护您的资金安全。"])],
]

CLOSING = [
    [(A, ["请问还有其他可以帮您的吗？", "请问还有其他问题需要咨询吗？", "还有什么其他需要帮您的吗？", "{sur}{title}，请问还有别的业务需要办理吗？"]),
     (C, ["没有了", "没了，谢谢", "暂时没有了", "没有了谢谢啊", "嗯，就这些"])],
    [(A, ["感谢您的来电，稍后请对我的服务做出评价，祝您生活愉快，再见。", "好的，感谢您的来电，稍后会有一条满意度评价短信，麻烦您给个好评，再见。", "感谢您的耐心，祝您生活愉快，再见！", "不客气，感谢您致电{org}，再见。", "好的，那不打扰您了，再见。"]),
     (C, ["好的再见", "拜拜", "再见", "好嘞谢谢", "谢谢，再见"])],
]

# --------------------------------------------------------------------------------------
# Violations (agent utterances) and hard negatives.  Each entry embeds its phrase in a
# realistic sentence.  NOISE_SPLITS says where an ASR glitch may land inside the phrase.
# --------------------------------------------------------------------------------------

VIOLATIONS = [
    # forbidden service phrases
    "这个不归我管，你问别人吧。", "这不归我管，你找你们网点去。", "这事不归我们管，您找商户去。",
    "你问别人吧，我这边处理不了。", "这个我不清楚，你问别人去。", "急什么，我这不是在帮您查吗。",
    "您急什么，系统就是这么慢。", "这是规定，我也没办法。", "这是规定，您跟我说也没用。",
    "我已经说过了，您自己去网点办。", "不知道，您自己看短信吧。", "你听不懂吗，我都说了三遍了。",
    "您自己看合同，上面都写着呢。", "投诉也没用，规定就是这样。", "爱办不办，反正就这个流程。",
    "这个你找领导去，我管不了。", "我也没办法，你找银行去吧。", "你自己不看清楚怪谁。",
    "下班了，你明天再打吧。", "谁让你不按时还款的。",
    # promises
    "这款产品保本保息，您放心买。", "我们这个是保本保息的，跟存款一样。", "这个产品稳赚不赔，好多客户都买了。",
    "放心，稳赚不赔的，我自己也买了。", "这个产品零风险，收益还比定期高。", "这是零风险的产品，到期本息全部返还。",
    "收益是保证的，每年{rate}肯定能拿到。", "买这个肯定赚钱，您就放心吧。", "这个保险就是存钱，到期本金利息一分不少。",
    "这个产品绝对安全，不会亏的。", "我给您保证，不会亏本的。", "这个比存款收益高，而且保本保息。",
    # asking for credentials
    "麻烦您把手机收到的验证码报给我一下。", "您把短信验证码告诉我，我帮您操作。", "请问您的密码是多少？我帮您核实一下。",
    "请告诉我您的取款密码，我这边帮您重置。", "验证码收到了吗？念给我听一下。", "您把查询密码说一下，我帮您查。",
    "您把卡号和密码都报一下，我帮您解冻。",
]
HARD_NEGATIVES = [
    "请不要向任何人透露验证码，包括我们的工作人员。", "我们的工作人员不会向您索要密码和验证码，请您注意防范诈骗。",
    "温馨提示，验证码是您的重要信息，请勿告知他人。", "请您在手机上自行输入密码，不要告诉任何人。",
    "这款产品不保本，存在本金损失的风险，请您谨慎选择。", "理财产品不保本也不保息，过往业绩不代表未来表现。",
    "产品采用多重风控措施，但并不能确保本金安全。", "我们会尽力确保本金安全，但无法承诺收益。",
    "没有零风险的投资产品，请您根据风险承受能力选择。", "任何投资都不是稳赚不赔的，请您理性看待。",
    "我们不能承诺保本保息，请以产品说明书为准。", "市面上说稳赚不赔的都是骗人的，您要当心。",
    "这个业务不是我们部门负责，我帮您转接到相关的同事，请您稍等。", "这个问题我帮您转到负责的同事处理，请您稍等。",
    "根据监管规定，这个业务需要您本人到网点办理。", "按照相关规定，我们需要核实您的身份信息。",
    "您不用着急，我马上帮您处理。", "您别着急，慢慢说。", "特别叫人放心的是，您的资金一直在您自己的账户里。",
    "这款产品的净值型特点是不保证本金和收益。", "如有人冒充客服索要验证码，请立即挂断并报警。",
]
CUSTOMER_MENTIONS = [  # violation phrases spoken by the customer: role filter must skip them
    "你们经理说这个保本保息的啊", "当时说好了稳赚不赔我才买的", "他说零风险我才买的", "你们的人说这不归他管",
    "你要我验证码干嘛", "我不会告诉你密码的", "急什么急，我等了半小时了", "你们老说这是规定",
]
AGENT_PREFIX = [
    "好的，", "好的{title}，", "{sur}{title}，", "是这样的，", "嗯，是这样，", "您好，", "不好意思，", "您别着急，",
    "我跟您解释一下，", "我这边看到，", "根据系统显示，", "跟您说明一下，", "明白了，", "理解您的心情，",
    "稍等一下啊，", "{sur}{title}您好，", "我这边帮您查到了，", "嗯嗯，", "对的，", "是的，",
]
AGENT_SUFFIX = [
    "您看可以吗？", "请您知悉。", "您这边清楚吗？", "给您带来不便敬请谅解。", "有问题您随时联系我们。",
    "您还有其他疑问吗？", "这个您放心。", "具体以系统为准。", "麻烦您留意一下短信通知。", "我这边也会帮您跟进。",
    "请您保持电话畅通。", "感谢您的理解。", "您也可以拨打我们的客服热线咨询。", "后续有变化会第一时间通知您。",
]
FILLERS = ["嗯，", "啊，", "那个，", "呃，", "嗯", "那个", "就是", "然后", "嗯嗯，", "就是说，"]
MIDFILL = ["嗯", "啊", "那个", "呃", " "]


def _compile(exchanges):
    """Split each exchange into a tuple of (role, tuple(texts)) for speed."""
    return [tuple((role, tuple(texts)) for role, texts in ex) for ex in exchanges]


TOPIC_LIST = [(name, _compile(exs)) for name, exs in TOPICS.items()]
VERIFY_C = _compile(VERIFY)
SMALL_C = _compile(SMALLTALK)
CLOSING_C = _compile(CLOSING)


class Gen:
    def __init__(self, seed, chunk):
        self.rng = random.Random("%s/%d" % (seed, chunk))
        self.chunk = chunk
        self.stats = {"agent_utts": 0, "violations": 0, "noisy_violations": 0, "hard_negatives": 0, "customer_mentions": 0}

    def noise(self, text):
        """ASR flavour, using only C-level string operations."""
        r = self.rng.random()
        if r < 0.12:
            text = FILLERS[int(self.rng.random() * len(FILLERS))] + text
        elif r < 0.2:
            text = text.replace("，", "", 1)
        elif r < 0.26:
            text = text.replace("，", " ")
        elif r < 0.30:
            text = text.rstrip("。？！")
        elif r < 0.33:
            p = text.find("，")
            if p > 0:
                text = text[:p + 1] + MIDFILL[int(self.rng.random() * 4)] + text[p + 1:]
        elif r < 0.35:
            text = text.replace("。", "").replace("？", "")
        return text

    def violation(self, slots):
        rng = self.rng
        text = VIOLATIONS[int(rng.random() * len(VIOLATIONS))]
        if "{" in text:
            text = text.format_map(slots)
        self.stats["violations"] += 1
        if rng.random() < 0.08:
            # ASR noise inside the phrase: a space or filler between two CJK characters
            # of the first clause.  callint normalises it away; a naive matcher does not.
            p = 1 + int(rng.random() * max(1, min(5, text.find("，") if "，" in text else 5) - 1))
            text = text[:p] + MIDFILL[int(rng.random() * len(MIDFILL))] + text[p:]
            self.stats["noisy_violations"] += 1
        return text

    def call(self, n):
        rng = self.rng
        R = rng.random
        slots = make_slots(rng, n)
        target = 10 + min(70, int(rng.expovariate(1 / 18.0))) if R() < 0.97 else rng.randrange(60, 81)
        exchanges = [((A, (GREETING[int(R() * len(GREETING))],)), (C, (CUST_OPEN[int(R() * len(CUST_OPEN))],)))]
        nv = 2 + int(R() * 4)
        exchanges.extend(VERIFY_C[:nv - 1] + [VERIFY_C[-1]] if R() < 0.85 else VERIFY_C[:1])
        # topic exchanges without replacement; when a topic runs dry the customer moves on
        order = list(range(len(TOPIC_LIST)))
        rng.shuffle(order)
        queue = []
        for ti in order:
            exs = list(TOPIC_LIST[ti][1])
            rng.shuffle(exs)
            queue.extend(exs[:1 + int(R() * len(exs))])
        queue.reverse()
        count = sum(len(e) for e in exchanges) + 4
        while count < target and queue:
            ex = queue.pop() if R() < 0.75 else SMALL_C[int(R() * len(SMALL_C))]
            exchanges.append(ex)
            count += len(ex)
        exchanges.extend(CLOSING_C)

        utts = []
        t = round(0.3 + R() * 1.5, 2)
        st = self.stats
        for ex in exchanges:
            for role, texts in ex:
                text = texts[int(R() * len(texts))]
                if "{" in text:
                    text = text.format_map(slots)
                if role == A:
                    st["agent_utts"] += 1
                    r = R()
                    if r < 0.015:
                        v = self.violation(slots)
                        text = v if R() < 0.5 else text + v
                    elif r < 0.025:
                        h = HARD_NEGATIVES[int(R() * len(HARD_NEGATIVES))]
                        text = h if R() < 0.4 else text + h
                        st["hard_negatives"] += 1
                    elif r < 0.25:
                        # combinable fragments: a lead-in and/or a tail around the core sentence
                        if r < 0.17:
                            text = AGENT_PREFIX[int(R() * len(AGENT_PREFIX))].format_map(slots) + text
                        if r > 0.12 and text[-1:] in "。？！":
                            text = text + AGENT_SUFFIX[int(R() * len(AGENT_SUFFIX))]
                elif R() < 0.004:
                    text = CUSTOMER_MENTIONS[int(R() * len(CUSTOMER_MENTIONS))]
                    st["customer_mentions"] += 1
                if R() < 0.5:
                    text = self.noise(text)
                if not text:
                    continue
                dur = len(text) / (3.8 + R() * 1.4)
                end = t + dur
                utts.append('{"role": "%s", "text": "%s", "start": %.2f, "end": %.2f}' % (role, text, t, end))
                t = end + 0.15 + R() * (1.2 if R() < 0.9 else 8.0)  # occasional long hold
            if len(utts) >= 80:
                break
        del utts[80:]
        # 2026, working hours 08:00-21:59, China time
        day = int(R() * 334)
        month, mday = _month_day(day)
        started = "2026-%02d-%02dT%02d:%02d:%02d+08:00" % (month, mday, 8 + int(R() * 14), int(R() * 60), int(R() * 60))
        cid = "C%d%06d" % (self.chunk, n)
        aid = "A%04d" % (1 + int(R() * 480))
        return '{"call_id": "%s", "agent_id": "%s", "started_at": "%s", "utterances": [%s]}\n' % (
            cid, aid, started, ", ".join(utts))


_MDAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def _month_day(day):
    m = 0
    while day >= _MDAYS[m]:
        day -= _MDAYS[m]
        m += 1
    return m + 1, day + 1


def gen_chunk(args):
    seed, chunk = args
    g = Gen(seed, chunk)
    data = "".join(g.call(i) for i in range(CHUNK_CALLS)).encode("utf-8")
    return data, g.stats


def parse_size(s):
    s = s.strip().upper().rstrip("B").rstrip("I")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if s and s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="200M", help="target size, e.g. 1G, 200M, 5000000 (K/M/G are powers of 1024)")
    ap.add_argument("--seed", default="42", help="seed (any string); same seed+size -> same bytes")
    ap.add_argument("-o", "--output", default="-", help="output path, '-' for stdout; a .gz path writes gzip only")
    ap.add_argument("--gzip", action="store_true", help="also write OUTPUT.gz next to OUTPUT")
    ap.add_argument("--gzip-level", type=int, default=6)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (output does not depend on it)")
    ap.add_argument("--stats", action="store_true", help="print injected violation counts to stderr")
    a = ap.parse_args()

    target = parse_size(a.size)
    sinks = []
    if a.output == "-":
        sinks.append(sys.stdout.buffer)
    elif a.output.endswith(".gz"):
        sinks.append(gzip.open(a.output, "wb", compresslevel=a.gzip_level))
    else:
        os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
        sinks.append(open(a.output, "wb"))
        if a.gzip:
            sinks.append(gzip.open(a.output + ".gz", "wb", compresslevel=a.gzip_level))

    t0 = time.time()
    written = 0
    calls = 0
    totals = {}

    def chunks():
        i = 0
        while True:
            yield (a.seed, i)
            i += 1

    pool = multiprocessing.Pool(a.jobs) if a.jobs > 1 else None
    it = pool.imap(gen_chunk, chunks(), chunksize=1) if pool else map(gen_chunk, chunks())
    try:
        for data, stats in it:
            if written + len(data) > target:
                # cut at a line boundary so the file is at most `target` bytes (at least one call)
                cut = data.rfind(b"\n", 0, max(1, target - written)) + 1
                if cut == 0 and written == 0:
                    cut = data.find(b"\n") + 1
                data = data[:cut]
                stats = None
            for s in sinks:
                s.write(data)
            written += len(data)
            calls += data.count(b"\n")
            if stats:
                for k, v in stats.items():
                    totals[k] = totals.get(k, 0) + v
            if stats is None or written >= target:
                break
    finally:
        if pool:
            pool.terminate()
        for s in sinks:
            if s is not sys.stdout.buffer:
                s.close()
            else:
                s.flush()
    dt = time.time() - t0
    print("gen_corpus: %d bytes, %d calls in %.1fs (%.1f MB/s)" % (written, calls, dt, written / 1e6 / max(dt, 1e-9)), file=sys.stderr)
    if a.stats:
        print("gen_corpus: injected (full chunks only): %s" % totals, file=sys.stderr)


if __name__ == "__main__":
    main()
