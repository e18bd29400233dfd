"""Hot reload: an edited rule file changes the next decision without a restart; a
broken edit keeps the previous rules serving and is reported with file:line."""

from __future__ import annotations

import os
import threading
import time

from cscore.kernel import Kernel

from .conftest import return_case


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()  # make the change visible even within one mtime tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_edit_and_reload_changes_the_next_decision(rules_copy):
    """Changing a constant and reloading changes the decision; only that ruleset reloads."""
    rule_file = rules_copy / "ecommerce" / "return.yaml"
    with Kernel(rules_dir=rules_copy) as kernel:
        late = return_case(request_date="2026-03-11")  # day 9
        assert kernel.evaluate(late).outcomes["return"]["decision"] == "reject"
        before = kernel.evaluate(late).rules_version
        _edit(rule_file, "no_reason_days: 7 ", "no_reason_days: 10 ")
        report = kernel.reload()
        assert report.ok and report.reloaded == ["ecommerce.return"]
        decision = kernel.evaluate(late)
        assert decision.outcomes["return"]["decision"] == "return"
        assert decision.outcomes["return"]["return_deadline"] == "2026-03-12"
        assert decision.rules_version != before


def test_broken_edit_keeps_the_last_good_rules(rules_copy):
    """A YAML error in an edit: reload reports file:line, the old rules keep deciding,
    and each decision warns that an older version served it."""
    rule_file = rules_copy / "ecommerce" / "return.yaml"
    with Kernel(rules_dir=rules_copy) as kernel:
        good = kernel.evaluate(return_case())
        _edit(rule_file, "no_reason_days: 7 ", "no_reason_days: [7 ")
        report = kernel.reload()
        assert not report.ok
        assert report.reloaded == []
        message = str(report.errors[0])
        assert (
            "rules/ecommerce/return.yaml:" in message
            and str(rules_copy) not in message
            and "YAML error" in message
        )
        served = kernel.evaluate(return_case())
        assert served.outcomes == good.outcomes
        assert served.rules_version == good.rules_version
        assert any("previous version serving" in w for w in served.warnings)
        _edit(rule_file, "no_reason_days: [7 ", "no_reason_days: 7 ")
        assert kernel.reload().ok
        assert not kernel.evaluate(return_case()).warnings


def test_broken_rule_in_one_file_does_not_drop_it_from_the_set(rules_copy):
    """A compile error (unknown fact) also keeps the whole previous rule set."""
    rule_file = rules_copy / "ecommerce" / "shipping_terms.yaml"
    with Kernel(rules_dir=rules_copy) as kernel:
        partial = return_case(
            goods_amount_paid=140.0,
            items=[
                {"list_price": 100.0, "qty": 1, "returned": True},
                {"list_price": 60.0, "qty": 1, "returned": False},
            ],
        )
        before = kernel.evaluate(partial).outcomes["return"]
        _edit(
            rule_file,
            "when: ship_to_province in remote_provinces",
            "when: ship_to_provnce in remote_provinces",
        )
        report = kernel.reload()
        assert "unknown fact 'ship_to_provnce'" in str(report.errors[0])
        assert "shipping_terms.yaml:" in str(report.errors[0])
        assert kernel.evaluate(partial).outcomes["return"] == before


def test_auto_reload_picks_up_an_edit(rules_copy):
    """With auto_reload the kernel notices an edited file by itself."""
    rule_file = rules_copy / "ecommerce" / "return.yaml"
    with Kernel(rules_dir=rules_copy, auto_reload=True, reload_interval=0) as kernel:
        late = return_case(request_date="2026-03-11")
        assert kernel.evaluate(late).outcomes["return"]["decision"] == "reject"
        _edit(rule_file, "no_reason_days: 7 ", "no_reason_days: 10 ")
        assert kernel.evaluate(late).outcomes["return"]["decision"] == "return"


def test_reload_while_other_threads_evaluate(rules_copy):
    """Swapping a rule set under load loses no evaluation and crashes nothing."""
    rule_file = rules_copy / "ecommerce" / "return.yaml"
    errors: list[BaseException] = []
    results: list[str] = []
    stop = threading.Event()
    with Kernel(rules_dir=rules_copy) as kernel:

        def worker() -> None:
            while not stop.is_set():
                try:
                    results.append(kernel.evaluate(return_case()).outcomes["return"]["decision"])
                except BaseException as exc:  # collected for the assertion below
                    errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(3)]
        for thread in threads:
            thread.start()
        for days in (8, 9, 10, 7, 8, 9, 10, 7):
            _edit(rule_file, "no_reason_days: ", f"no_reason_days: {days} #")
            assert kernel.reload().ok
            time.sleep(0.02)
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert len(results) > 20 and set(results) == {"return"}
