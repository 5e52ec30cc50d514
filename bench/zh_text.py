#!/usr/bin/env python3
"""Generated Chinese news-like JSONL for the segmentation benchmark
(BENCHMARKS.md, "Word segmentation"): sentences of 4 to 14 words drawn
(seeded) from a small hand-written vocabulary of common Chinese words,
with Chinese punctuation, some digits and Latin names.

usage: zh_text.py STORIES OUT.jsonl [SEED]
"""
import json
import random
import sys

WORDS = ("中国 经济 发展 政府 国家 人民 工作 企业 市场 社会 北京 上海 今天 去年 明年 记者 报道 表示 认为 "
         "进一步 加强 推动 建设 改革 开放 合作 国际 地区 城市 农村 教育 科技 创新 环境 保护 能源 交通 "
         "医疗 卫生 文化 体育 旅游 投资 贸易 增长 下降 提高 问题 情况 部门 会议 召开 发布 新闻 消息 "
         "重要 主要 全面 积极 稳定 安全 服务 管理 研究 专家 学生 学校 大学 公司 银行 资金 价格 产品 "
         "技术 数据 网络 信息 系统 项目 计划 目标 政策 法律 制度 活动 世界 美国 日本 欧洲 亚洲 我们 "
         "他们 这个 一个 已经 正在 将要 可以 需要 通过 根据 由于 因为 所以 但是 而且 以及 的 了 在 是 "
         "和 也 都 对 从 向 把 被 让 很 更 最 新 大 小 多 少 高 低 好").split()
LATIN = ["Apple", "WTO", "GDP", "5G", "AI"]


def sentence(rng):
    n = rng.randint(4, 14)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.03:
            out.append(str(rng.randint(1, 2025)))
        elif r < 0.05:
            out.append(rng.choice(LATIN))
        else:
            out.append(rng.choice(WORDS))
        if rng.random() < 0.12:
            out.append("，")
    return "".join(out) + rng.choice("。。。！？")


def main():
    n, dst = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    with open(dst, "w", encoding="utf-8") as f:
        for i in range(n):
            body = "".join(sentence(rng) for _ in range(rng.randint(8, 30)))
            story = {"id": "zh%d" % i, "date": "2024-%02d-%02d" % (1 + i % 12, 1 + i % 28),
                     "title": sentence(rng), "body": body}
            f.write(json.dumps(story, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
