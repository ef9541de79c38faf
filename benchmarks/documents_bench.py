"""How long laying out a trip document takes, and how large the PDF is (issue 20): a letter of invitation in
English and in Arabic, a certificate of participation in Chinese (the CJK font makes it the largest).

Run by hand (not a test; it asserts nothing, it prints what it measured):

    .venv/bin/python benchmarks/documents_bench.py             # 5 layouts of each
    .venv/bin/python benchmarks/documents_bench.py --samples 20

The first layout of a process also loads the fonts; the median leaves it aside. No database: the documents'
facts are made up here, the templates, catalogs, fonts and WeasyPrint are the real ones.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from giveback.trips import pdf

FACTS = {
    "visitor": "محمد عبد الله الفاسي",
    "institution": "Université Mohammed V, Rabat",
    "visitor_country": "MA",
    "organization": "Brazilian Society of Interventional Radiology and Endovascular Surgery",
    "organization_country": "BR",
    "country": "BR",
    "visit": "Embolization course in Recife",
    "topics": ["embolization"],
    "purpose": "",
    "first_day": "2027-02-15",
    "last_day": "2027-02-19",
    "covers": ["lodging", "local-transport"],
    "signer": "Ægidius Ñúñez-Ölçer",
    "signed_for": "Brazilian Society of Interventional Radiology and Endovascular Surgery",
    "program": "Giveback",
    "issued_on": "2026-12-02",
    "reported": True,
    "lectures": 6,
    "hours": 12,
    "cases": [{"topic": "embolization", "role": "performed", "count": 4}],
}
DOCUMENTS = (("invitation", "en"), ("invitation", "ar"), ("certificate", "zh_Hans"))


async def main(samples: int) -> None:
    url = "https://giveback.example.org/verify/K7QM-2HXD-9TRA"
    for kind, locale in DOCUMENTS:
        times, size = [], 0
        for _ in range(samples + 1):
            started = time.perf_counter()
            content = await pdf.render_pdf(
                f"{kind}.html",
                locale,
                facts=FACTS,
                code="K7QM-2HXD-9TRA",
                verify_url=url,
                qr=pdf.qr_code(url),
                topic_names={"embolization": "Embolization"},
                topic_list=["Embolization"],
                draft=False,
            )
            times.append(time.perf_counter() - started)
            size = len(content)
        print(
            f"{kind:12} {locale:8} first {times[0]:.2f} s, median of {samples} {statistics.median(times[1:]):.2f} s, "
            f"{size / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5)
    asyncio.run(main(parser.parse_args().samples))
