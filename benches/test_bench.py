#!/usr/bin/env python3
"""Unit tests of the benchmark's arithmetic (no server, no database): the shares against the
reference, their median over rounds, and the targets read on them. `python3 benches/test_bench.py`."""

import unittest

import bench


def row(scenario, rnd, rps, p99_ms, c=32, errors=0):
    return dict(scenario=scenario, round=rnd, concurrency=c, rps=rps, p99_us=p99_ms * 1000, errors=errors,
                rss_peak_kib=50 * 1024, backend="postgres", cases=100000, p50_us=1000)


class AgainstReference(unittest.TestCase):
    def rows(self):
        # Round 2 is a slow spell on both sides of each share.
        return [
            row("school_detail", 1, 4000, 20), row("case_detail", 1, 2100, 30), row("worker_list", 1, 1500, 60),
            row("school_detail", 2, 2000, 40), row("case_detail", 2, 900, 90), row("worker_list", 2, 640, 120),
            row("school_detail", 3, 4200, 20), row("case_detail", 3, 2200, 36), row("worker_list", 3, 1400, 50),
        ]

    def test_each_share_is_read_in_its_own_round(self):
        shares = bench.against_reference(self.rows())
        got = {(s["scenario"], s["round"]): round(s["share"], 4) for s in shares}
        self.assertEqual(got[("case_detail", 2)], 0.45)
        self.assertEqual(got[("worker_list", 1)], 0.375)
        self.assertEqual(len(shares), 6, "the reference is not read against itself")

    def test_median_lowest_highest(self):
        summary = {m["scenario"]: m for m in bench.reference_summary(bench.against_reference(self.rows()))}
        w = summary["worker_list"]
        self.assertEqual(w["rounds"], 3)
        self.assertAlmostEqual(w["share_median"], 1400 / 4200)
        self.assertAlmostEqual(w["share_min"], 0.32)
        self.assertAlmostEqual(w["share_max"], 0.375)
        self.assertAlmostEqual(summary["case_detail"]["p99_ratio_median"], 1.8)
        self.assertAlmostEqual(summary["case_detail"]["p99_ratio_max"], 2.25)

    def test_targets_read_the_median_and_count_the_rounds(self):
        rows = self.rows()
        shares = bench.against_reference(rows)
        res = dict(rows=rows, backend="postgres", reference_shares=shares,
                   reference_summary=bench.reference_summary(shares))
        t = {text.split(" ")[0] + (" p99" if "p99" in text else ""): (ok, val) for text, ok, val in bench.targets(res)}
        self.assertEqual(t["case_detail"], (True, "52.4 %; held in 2 of 3"))
        self.assertEqual(t["case_detail p99"], (True, "1.80 x; held in 2 of 3"))
        self.assertEqual(t["worker_list"], (False, "33.3 %; held in 1 of 3"))

    def test_sqlite_states_the_shares_without_judging_them(self):
        rows = [dict(r, backend="sqlite") for r in self.rows()]
        shares = bench.against_reference(rows)
        res = dict(rows=rows, backend="sqlite", reference_shares=shares,
                   reference_summary=bench.reference_summary(shares))
        self.assertEqual([text for text, _, _ in bench.targets(res)], ["zero errors in every scenario"])

    def test_cpu_per_request_against_the_reference(self):
        rows = self.rows()
        cpu = {("school_detail", 1): (300, 200, 25), ("case_detail", 1): (500, 600, 30),
               ("school_detail", 2): (600, 400, 50), ("case_detail", 2): (1000, 1300, 60)}
        for r in rows:
            s, p, w = cpu.get((r["scenario"], r["round"]), (None, None, None))
            r.update(cpu_us_server=s, cpu_us_postgres=p, cpu_us_wrk=w)
        shares = {(s["scenario"], s["round"]): s for s in bench.against_reference(rows)}
        self.assertAlmostEqual(shares[("case_detail", 1)]["cpu_ratio"], 1130 / 525)
        self.assertAlmostEqual(shares[("case_detail", 2)]["cpu_ratio"], 2360 / 1050)
        self.assertIsNone(shares[("case_detail", 3)]["cpu_ratio"], "not measured: no ratio")
        summary = {m["scenario"]: m for m in bench.reference_summary(list(shares.values()))}
        self.assertAlmostEqual(summary["case_detail"]["cpu_ratio_median"], (1130 / 525 + 2360 / 1050) / 2)
        self.assertIsNone(summary["worker_list"]["cpu_ratio_median"])
        # SQLite: no PostgreSQL column, the server and wrk still count.
        self.assertEqual(bench.cpu_total(dict(cpu_us_server=1000.0, cpu_us_postgres=None, cpu_us_wrk=20.0)), 1020.0)

    def test_without_the_reference_nothing_is_compared(self):
        rows = [r for r in self.rows() if r["scenario"] != "school_detail"]
        self.assertEqual(bench.against_reference(rows), [])

    def test_the_table_shows_each_rounds_cpu_per_request(self):
        rows = [dict(row("school_detail", 1, 4000, 20), cpu_us_server=310.4, cpu_us_postgres=221.0, cpu_us_wrk=24.2),
                dict(row("school_detail", 2, 4000, 20), backend="sqlite", cpu_us_server=1250.0, cpu_us_postgres=None, cpu_us_wrk=20.0)]
        lines = bench.table(rows).splitlines()
        self.assertTrue(lines[0].startswith("| round | scenario"))
        self.assertTrue(lines[2].startswith("| 1 | school_detail | postgres"))
        self.assertTrue(lines[2].endswith("| 310, 221, 24 |"), lines[2])
        self.assertTrue(lines[3].endswith("| 1,250, —, 20 |"), lines[3])
        self.assertEqual(len({line.count("|") for line in lines}), 1, "every line has as many cells")

    def test_median_of_an_even_count(self):
        self.assertEqual(bench.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(bench.median([0.3]), 0.3)


if __name__ == "__main__":
    unittest.main()
