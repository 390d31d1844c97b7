"""The support desk: handoffs between desks, refunds behind approval, and the attacks on them."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from nemotron_agents.cli import main
from nemotron_agents.errors import ConfigError, ToolCallError, ToolRetry
from nemotron_agents.graphs._support_db import (
    SUPPORT_DB_ENV,
    SupportDB,
    _build_once,
    support_db_path,
)
from nemotron_agents.graphs._support_tools import Session, desk_tools
from nemotron_agents.graphs.shop_db import SHOP_DB_ENV, build_shop_db
from nemotron_agents.graphs.support import MAX_HANDOFFS, SPEC, build_graph
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator, ScriptedChatModel, tool_call
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON
from nemotron_agents.testing.emulator import ToolCall as EmuCall

CRASH_RUN = Path(__file__).with_name("support_crash_run.py")
ADA = "ada.lovelace@example.com"
BRUNO = "bruno.costa@example.com"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return build_shop_db(tmp_path_factory.mktemp("shop") / "shop.db")


@pytest.fixture
def shop(tmp_path, pristine):
    """A fresh working copy for each test."""
    path = tmp_path / "support.db"
    path.write_bytes(pristine.read_bytes())
    return path


def query(path, sql, *args):
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


def customer_id(path, email):
    return query(path, "SELECT id FROM customers WHERE email = ?", email)[0][0]


def order_of(path, email, status):
    """(order id, total cents) of the customer's first order in ``status`` with nothing refunded."""
    rows = query(
        path,
        "SELECT o.id, (SELECT SUM(quantity * unit_price_cents) FROM order_items i "
        "WHERE i.order_id = o.id) "
        "FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = ? AND o.status = ? "
        "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id) ORDER BY o.id",
        email,
        status,
    )
    assert rows, f"the shop data has no {status} order of {email} without refunds"
    return rows[0]


def refunds_of(path, order_id):
    return query(
        path, "SELECT amount_cents, reason FROM refunds WHERE order_id = ? ORDER BY id", order_id
    )


def graph(shop, turns, **kw):
    model = ScriptedChatModel(turns)
    kw.setdefault("checkpointer", InMemorySaver())
    return build_graph(model=model, fallback_model=False, db_path=str(shop), **kw), model


def thread(name="t1"):
    return {"configurable": {"thread_id": name}}


def tool_results(result, name):
    return [m for m in result["messages"] if isinstance(m, ToolMessage) and m.name == name]


def to_refunds(email=ADA):
    """Model turns: triage identifies the customer and hands over to refunds."""
    return [
        [tool_call("find_customer", {"email": email})],
        [tool_call("transfer_to_refunds", {"reason": "wants a refund"})],
    ]


def refund_call(order_id, amount, reason="arrived damaged", id="refund001"):
    return [
        tool_call("issue_refund", {"order_id": order_id, "amount": amount, "reason": reason}, id=id)
    ]


def pending_calls(interrupt_value):
    """The calls awaiting approval (LangChain's human-in-the-loop shape)."""
    return interrupt_value["action_requests"]


def ask(app, text, config):
    return app.invoke({"messages": [HumanMessage(text)]}, config)


# --- the shape ------------------------------------------------------------------------------


def test_drawing_shows_every_handoff(shop):
    app, _ = graph(shop, ["unused"])
    drawing = app.get_graph(xray=1)
    edges = {(e.source, e.target) for e in drawing.edges}
    desks = ("triage", "orders", "refunds")
    assert {"__start__", "__end__", *desks} == set(drawing.nodes)
    for desk in desks:
        assert ("__start__", desk) in edges and (desk, "__end__") in edges
        assert {(desk, other) for other in desks if other != desk} <= edges


def test_building_touches_no_database(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(SUPPORT_DB_ENV, raising=False)
    build_graph(model=ScriptedChatModel(["hi"]), fallback_model=False)
    SPEC.registry()
    assert not (tmp_path / "cache").exists()


# --- conversations --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_triage_hands_off_to_refunds_which_refunds_after_approval(shop, mode):
    order_id, total = order_of(shop, ADA, "delivered")
    turns = [
        *to_refunds(),
        [tool_call("refund_status", {"order_id": order_id})],
        refund_call(order_id, 12.5),
        "Refunded 12.50.",
    ]
    app, model = graph(shop, turns)
    config = thread()

    async def send(inputs):
        return app.invoke(inputs, config) if mode == "invoke" else await app.ainvoke(inputs, config)

    paused = await send(
        {
            "messages": [
                HumanMessage(f"I'm {ADA}; order {order_id} arrived damaged, please refund 12.50")
            ]
        }
    )

    (request,) = pending_calls(paused["__interrupt__"][0].value)
    assert request["name"] == "issue_refund" and request["args"]["amount"] == 12.5
    assert refunds_of(shop, order_id) == []  # nothing before a person says yes
    assert app.get_state(config).values["customer_id"] == customer_id(shop, ADA)

    result = await send(Command(resume=True))
    assert refunds_of(shop, order_id) == [(1250, "arrived damaged")]
    (done,) = tool_results(result, "issue_refund")
    assert json.loads(done.content)["order_refundable"] == f"{(total - 1250) / 100:.2f}"
    assert result["messages"][-1].content == "Refunded 12.50."
    assert result["active_desk"] == "refunds" and result["customer_id"] == customer_id(shop, ADA)
    # each desk offered its own tools; the refunds desk saw the whole conversation
    offered = [{t["function"]["name"] for t in call["tools"]} for call in model.calls]
    assert offered[0] == {"find_customer", "transfer_to_orders", "transfer_to_refunds"}
    assert offered[2] == {
        "list_orders",
        "refund_status",
        "issue_refund",
        "transfer_to_triage",
        "transfer_to_orders",
    }
    assert any(
        isinstance(m, ToolMessage) and m.name == "find_customer" for m in model.calls[2]["messages"]
    )
    assert model.turns_left == 0


def test_handoff_to_orders_answers_an_order_question(shop):
    order_id, total = order_of(shop, ADA, "shipped")
    turns = [
        [tool_call("find_customer", {"email": ADA})],
        [tool_call("transfer_to_orders", {"reason": "order status"})],
        [tool_call("order_details", {"order_id": order_id})],
        lambda messages, tools: (
            f"Order {order_id} is {json.loads(messages[-1].content)['status']}."
        ),
    ]
    app, _ = graph(shop, turns)
    result = ask(app, f"I'm {ADA}. Where is my order {order_id}?", thread())
    (details,) = tool_results(result, "order_details")
    assert json.loads(details.content)["total"] == f"{total / 100:.2f}"
    assert result["messages"][-1].content == f"Order {order_id} is shipped."
    assert result["active_desk"] == "orders"


def test_next_message_goes_to_the_desk_that_spoke_last(shop):
    order_id, _ = order_of(shop, ADA, "shipped")
    turns = [
        *to_refunds()[:1],
        [tool_call("transfer_to_orders", {"reason": "status"})],
        "Which order?",
        "It is shipped.",
    ]
    app, model = graph(shop, turns)
    config = thread()
    ask(app, f"I'm {ADA}, where is my order?", config)
    result = ask(app, f"Order {order_id}", config)
    assert result["messages"][-1].content == "It is shipped."
    assert "order_details" in {
        t["function"]["name"] for t in model.calls[-1]["tools"]
    }  # the orders desk answered


def test_transfer_before_the_customer_is_identified_is_refused(shop):
    turns = [
        [tool_call("transfer_to_refunds", {"reason": "refund"})],
        "What is the email of your account?",
    ]
    app, _ = graph(shop, turns)
    result = ask(app, "Refund my order please", thread())
    (refused,) = tool_results(result, "transfer_to_refunds")
    assert refused.status == "error" and "find_customer" in refused.content
    assert result["active_desk"] == "triage" and result.get("customer_id") is None


def test_desks_cannot_pass_the_customer_around_forever(shop):
    ping = [tool_call("transfer_to_orders", {"reason": "x"})]
    pong = [tool_call("transfer_to_triage", {"reason": "x"})]
    turns = (
        [[tool_call("find_customer", {"email": ADA})]]
        + [ping, pong] * (MAX_HANDOFFS // 2)
        + [ping, "I can help here."]
    )
    app, _ = graph(shop, turns)
    result = ask(app, f"I'm {ADA}", thread())
    transfers = [
        m
        for m in result["messages"]
        if isinstance(m, ToolMessage) and m.name.startswith("transfer_to_")
    ]
    assert [m.status for m in transfers] == ["success"] * MAX_HANDOFFS + ["error"]
    assert "No more transfers" in transfers[-1].content
    assert result["messages"][-1].content == "I can help here."


# --- attacks on refunds ---------------------------------------------------------------------


def approved_refund(shop, email, order_id, amount, **kw):
    """Run a refund of ``amount`` through approval; return the issue_refund result and the run."""
    app, model = graph(shop, [*to_refunds(email), refund_call(order_id, amount, **kw), "Done."])
    config = thread()
    ask(app, f"I'm {email}; refund order {order_id}", config)
    result = app.invoke(Command(resume=True), config)
    (outcome,) = tool_results(result, "issue_refund")
    return outcome, model


def test_amount_above_what_is_left_is_refused(shop):
    order_id, total = order_of(shop, ADA, "delivered")
    first, _ = approved_refund(shop, ADA, order_id, (total - 1000) / 100)
    assert first.status == "success"
    outcome, _ = approved_refund(shop, ADA, order_id, 10.01)  # one cent more than is left
    assert outcome.status == "error"
    assert (
        "at most 10.00 can be refunded" in outcome.content
        and f"{total / 100:.2f}" in outcome.content
    )
    assert len(refunds_of(shop, order_id)) == 1


def test_another_customers_order_is_refused_and_not_named(shop):
    theirs, _ = order_of(shop, BRUNO, "delivered")
    outcome, _ = approved_refund(shop, ADA, theirs, 1)
    assert outcome.status == "error" and "not an order of the current customer" in outcome.content
    mine = [
        str(i)
        for (i,) in query(
            shop, "SELECT id FROM orders WHERE customer_id = ?", customer_id(shop, ADA)
        )
    ]
    assert all(i in outcome.content for i in mine)  # lists the valid choices
    assert "Bruno" not in outcome.content and BRUNO not in outcome.content
    assert refunds_of(shop, theirs) == []


def test_switching_customer_in_the_middle_of_a_conversation_is_refused(shop):
    turns = [
        [tool_call("find_customer", {"email": ADA})],
        [tool_call("find_customer", {"email": BRUNO})],
        [tool_call("find_customer", {"email": "nobody@example.com"})],
        "No.",
    ]
    app, _ = graph(shop, turns)
    result = ask(app, f"I'm {ADA}. Now I'm {BRUNO}, refund his orders", thread())
    first, known, unknown = tool_results(result, "find_customer")
    assert first.status == "success" and known.status == unknown.status == "error"
    assert known.content == unknown.content and "cannot switch" in known.content  # no probing
    assert result["customer_id"] == customer_id(shop, ADA)


def test_cancelled_order_is_refused(shop):
    ((order_id,),) = query(
        shop,
        "SELECT id FROM orders WHERE customer_id = ? AND status = 'cancelled' LIMIT 1",
        customer_id(shop, BRUNO),
    )
    before = refunds_of(shop, order_id)
    outcome, _ = approved_refund(shop, BRUNO, order_id, 1)
    assert outcome.status == "error" and "was cancelled" in outcome.content
    assert refunds_of(shop, order_id) == before


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0, "must be positive"), (-5, "must be positive"), (1.005, "two decimals")],
)
def test_bad_amounts_are_refused(shop, amount, expected):
    order_id, _ = order_of(shop, ADA, "delivered")
    outcome, _ = approved_refund(shop, ADA, order_id, amount)
    assert outcome.status == "error" and expected in outcome.content
    assert refunds_of(shop, order_id) == []


def test_rejection_reason_reaches_the_model_and_nothing_is_written(shop):
    order_id, _ = order_of(shop, ADA, "delivered")
    app, model = graph(shop, [*to_refunds(), refund_call(order_id, 5), "Sorry, no refund."])
    config = thread()
    ask(app, f"I'm {ADA}; refund order {order_id}", config)
    reason = "a replacement was already shipped"
    result = app.invoke(
        Command(resume={"refund001": {"decision": "reject", "reason": reason}}), config
    )
    (outcome,) = tool_results(result, "issue_refund")
    assert outcome.status == "error" and reason in outcome.content
    assert any(
        isinstance(m, ToolMessage) and reason in m.content for m in model.calls[-1]["messages"]
    )
    assert refunds_of(shop, order_id) == []


def edit(order_id, amount):
    args = {"order_id": order_id, "amount": amount, "reason": "arrived damaged"}
    return {
        "decisions": [{"type": "edit", "edited_action": {"name": "issue_refund", "args": args}}]
    }


def test_edit_to_an_amount_above_the_total_is_refused(shop):
    order_id, total = order_of(shop, ADA, "delivered")
    app, _ = graph(shop, [*to_refunds(), refund_call(order_id, 5), "Done."])
    config = thread()
    ask(app, f"I'm {ADA}; refund order {order_id}", config)
    result = app.invoke(Command(resume=edit(order_id, total / 100 + 1)), config)
    (outcome,) = tool_results(result, "issue_refund")
    assert outcome.status == "error" and "more than order" in outcome.content
    assert refunds_of(shop, order_id) == []


def test_edited_amount_is_the_one_refunded(shop):
    order_id, _ = order_of(shop, ADA, "delivered")
    app, _ = graph(shop, [*to_refunds(), refund_call(order_id, 5), "Done."])
    config = thread()
    ask(app, f"I'm {ADA}; refund order {order_id}", config)
    app.invoke(Command(resume=edit(order_id, 3.5)), config)
    assert refunds_of(shop, order_id) == [(350, "arrived damaged")]


def test_specialist_without_a_customer_refuses_and_points_to_triage(shop):
    tools = desk_tools("refunds", Session(db=SupportDB(shop)))
    with pytest.raises(ToolCallError, match=r"No customer is identified.*transfer_to_triage"):
        tools.get("refund_status").run({"order_id": 1})


def test_orders_desk_shows_only_the_current_customers_orders(shop):
    ada, bruno = customer_id(shop, ADA), customer_id(shop, BRUNO)
    theirs, _ = order_of(shop, BRUNO, "delivered")
    tools = desk_tools("orders", Session(db=SupportDB(shop), customer_id=ada))
    with pytest.raises(ToolCallError, match=f"customer_id={ada}"):
        tools.get("list_orders").run({"customer_id": bruno})
    with pytest.raises(
        ToolCallError, match=f"Order {theirs} is not an order of the current customer"
    ):
        tools.get("order_details").run({"order_id": theirs})
    mine = tools.get("list_orders").run({"customer_id": ada})
    assert mine and {o["order_id"] for o in mine} == {
        i for (i,) in query(shop, "SELECT id FROM orders WHERE customer_id = ?", ada)
    }


def test_refunds_racing_for_the_same_money_cannot_both_pass(shop):
    order_id, total = order_of(shop, ADA, "delivered")
    db, ada = SupportDB(shop), customer_id(shop, ADA)
    start, outcomes = threading.Barrier(4), []

    def refund(key):
        start.wait()
        try:
            outcomes.append(
                db.issue_refund(
                    order_id=order_id,
                    amount_cents=total // 2 + 1,
                    reason="race",
                    customer_id=ada,
                    call_key=key,
                )
            )
        except ToolRetry as exc:
            outcomes.append(exc)

    workers = [threading.Thread(target=refund, args=(f"k{i}",)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sum(isinstance(o, dict) for o in outcomes) == 1
    assert len(refunds_of(shop, order_id)) == 1


def test_same_call_key_writes_once(shop):
    order_id, _ = order_of(shop, ADA, "delivered")
    db, ada = SupportDB(shop), customer_id(shop, ADA)
    first = db.issue_refund(
        order_id=order_id, amount_cents=100, reason="x", customer_id=ada, call_key="same"
    )
    again = db.issue_refund(
        order_id=order_id, amount_cents=100, reason="x", customer_id=ada, call_key="same"
    )
    assert (
        first["already_recorded"] is False
        and again["already_recorded"] is True
        and "nothing new" in again["note"]
    )
    assert again["refund_id"] == first["refund_id"] and len(refunds_of(shop, order_id)) == 1


# --- crash ----------------------------------------------------------------------------------


def _child(*args):
    env = {**os.environ, "NVIDIA_USAGE_TELEMETRY_ENABLED": "0", "LANGSMITH_TRACING": "false"}
    return subprocess.Popen(
        [sys.executable, str(CRASH_RUN), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_kill_9_after_the_refund_was_written_then_resume_refunds_once(tmp_path, shop):
    order_id, _ = order_of(shop, ADA, "delivered")
    threads = tmp_path / "threads.sqlite"
    first = _child(threads, shop, order_id, "start")
    try:
        deadline = time.monotonic() + 60
        while not refunds_of(shop, order_id):
            if first.poll() is not None:
                raise AssertionError(
                    f"the run ended early (exit {first.returncode}): {first.stderr.read()}"
                )
            assert time.monotonic() < deadline, "the refund was never written"
            time.sleep(0.05)
        assert first.poll() is None, "the run should still be inside the refund call"
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL

    second = _child(threads, shop, order_id, "resume")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    outcome = json.loads(out.strip().splitlines()[-1])
    assert refunds_of(shop, order_id) == [(700, "arrived damaged")]  # exactly one refund
    assert outcome["refund"]["amount"] == "7.00" and outcome["answer"] == "Refunded 7.00."


# --- over HTTP and from the command line ----------------------------------------------------


@pytest.mark.filterwarnings("ignore:.*deprecated.*")
def test_example_runs_through_the_emulator(shop):
    with NIMEmulator() as emu:
        settings = Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=1, timeout=5.0)
        app = build_graph(settings=settings, db_path=str(shop), checkpointer=InMemorySaver())
        result = ask(app, SPEC.example, thread())
        statuses = [r.status for r in emu.chat_requests]
    assert statuses and set(statuses) == {200}
    assert isinstance(result["messages"][-1], AIMessage) and result["messages"][-1].content
    assert "__interrupt__" not in result


@pytest.mark.filterwarnings("ignore:.*deprecated.*")
def test_refund_over_http_every_desk_request_is_accepted(shop):
    # Each desk sends the other desks' calls in its history; NIM's validation must accept that.
    order_id, _ = order_of(shop, ADA, "delivered")
    with NIMEmulator() as emu:
        emu.script(
            MISTRAL_NEMOTRON,
            [
                EmuCall("find_customer", {"email": ADA}),
                EmuCall("transfer_to_refunds", {"reason": "damaged"}),
                EmuCall(
                    "issue_refund",
                    {"order_id": order_id, "amount": 4.2, "reason": "arrived damaged"},
                ),
                "Refunded 4.20.",
            ],
        )
        settings = Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=0, timeout=5.0)
        app = build_graph(settings=settings, db_path=str(shop), checkpointer=InMemorySaver())
        ask(app, f"I'm {ADA}; refund 4.20 of order {order_id}", thread())
        result = app.invoke(Command(resume=True), thread())
        statuses = [r.status for r in emu.chat_requests]
    assert statuses == [200] * 4
    assert refunds_of(shop, order_id) == [(420, "arrived damaged")]
    assert result["messages"][-1].content == "Refunded 4.20."


def test_cli_runs_the_example_offline(shop, monkeypatch, capsys):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    monkeypatch.setenv(SUPPORT_DB_ENV, str(shop))
    assert main(["run", "support", SPEC.example, "--offline", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["graph"] == "support" and result["answer"]


# --- the working copy -----------------------------------------------------------------------


def test_working_copy_comes_from_the_argument_then_the_environment_then_the_cache(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert (
        support_db_path(tmp_path / "a.db", env={**env, SUPPORT_DB_ENV: "b.db"}) == tmp_path / "a.db"
    )
    assert support_db_path(env={**env, SUPPORT_DB_ENV: str(tmp_path / "b.db")}) == tmp_path / "b.db"
    cached = support_db_path(env=env)
    assert cached.parent == tmp_path / "cache" / "nemotron-agents" and cached.name.startswith(
        "support-"
    )


def test_working_copy_is_built_on_first_use_with_the_shop_data(tmp_path):
    db = SupportDB(env={"XDG_CACHE_HOME": str(tmp_path)})
    assert not any(tmp_path.iterdir())
    assert db.customer_by_email(ADA.upper())["name"] == "Ada Lovelace"
    assert db.path.is_file() and db.path.parent.parent == tmp_path


def test_the_analysts_database_is_never_the_working_copy(tmp_path):
    shop = build_shop_db(tmp_path / "shop.db")
    with pytest.raises(ConfigError, match=f"{SUPPORT_DB_ENV}.*own copy|own copy.*{SUPPORT_DB_ENV}"):
        support_db_path(env={SHOP_DB_ENV: str(shop), SUPPORT_DB_ENV: str(shop)})


def test_first_use_never_replaces_a_copy_that_holds_refunds(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    first = SupportDB(env=env)
    ada = first.customer_by_email(ADA)["customer_id"]
    ((order_id,),) = query(first.path, "SELECT MIN(id) FROM orders WHERE customer_id = ?", ada)
    first.issue_refund(
        order_id=order_id, amount_cents=100, reason="x", customer_id=ada, call_key="k"
    )
    _build_once(first.path)  # another process that saw no file a moment ago
    assert refunds_of(first.path, order_id)[-1] == (100, "x")
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []


def test_unwritable_working_copy_is_a_clear_error(tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a directory should be")
    with pytest.raises(ConfigError, match=f"{SUPPORT_DB_ENV} to a writable file"):
        SupportDB(blocked / "support.db").path  # noqa: B018 (building it is what raises)
