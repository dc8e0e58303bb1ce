"""Through the emulator: an admin uploads the task list, previews, confirms, browses it;
a non-admin's upload is refused."""

from __future__ import annotations

from sandbox.emulator import EmulatorClient
from tests.botflow import press_and_wait_edit
from tests.e2e.harness import BotProcess
from tests.tasklist.helpers import SAMPLE


async def test_admin_uploads_confirms_and_reads_task_12(
    tg: EmulatorClient, bot: BotProcess, admin: dict
) -> None:
    uid = admin["id"]
    sent = await tg.send_document(
        uid, SAMPLE.read_bytes(), SAMPLE.name, caption="2021 年度任务清单"
    )
    preview = await tg.wait_for_message(uid, after_message_id=sent["message_id"], timeout=30)
    assert "导入预览" in preview["text"]
    assert "29 项任务" in preview["text"] and "35 个阶段" in preview["text"]
    assert "新增任务 29 项" in preview["text"]
    buttons = [b["text"] for row in preview["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["✅ 确认导入", "取消"]

    # nothing is written before the confirm
    before = await tg.send_command(uid, "task", "12")
    empty = await tg.wait_for_message(uid, after_message_id=before["message_id"], timeout=15)
    assert "没有序号为 12 的任务" in empty["text"]

    edited = await press_and_wait_edit(tg, uid, preview, "✅ 确认导入")
    assert "已导入" in edited["text"]  # the preview message is edited in place
    assert "新增 29 项" in edited["text"]
    assert not (edited.get("reply_markup") or {}).get("inline_keyboard")

    asked = await tg.send_command(uid, "task", "12")
    detail = await tg.wait_for_message(uid, after_message_id=asked["message_id"], timeout=15)
    text = detail["text"]
    assert "12. 海峡论坛配套活动" in text
    assert "阶段 1：2021年1-3月" in text and "阶段 2：2021年4-7月" in text
    assert "区委台港澳办 郑榕" in text

    listed = await tg.send_command(uid, "tasks")
    page = await tg.wait_for_message(uid, after_message_id=listed["message_id"], timeout=15)
    assert "共 29 项，第 1/3 页" in page["text"]
    page2 = await press_and_wait_edit(tg, uid, page, "▶")
    assert "第 2/3 页" in page2["text"]
    assert "11. 拓展延伸鼓台文化" in page2["text"]

    # the same file again: nothing to confirm
    again = await tg.send_document(uid, SAMPLE.read_bytes(), SAMPLE.name)
    same = await tg.wait_for_message(uid, after_message_id=again["message_id"], timeout=30)
    assert "完全一致" in same["text"] and not same.get("reply_markup")


async def test_non_admin_upload_is_refused(tg: EmulatorClient, bot: BotProcess) -> None:
    stranger = await tg.create_user("路人", language_code="zh")
    sent = await tg.send_document(stranger["id"], SAMPLE.read_bytes(), SAMPLE.name)
    reply = await tg.wait_for_message(stranger["id"], after_message_id=sent["message_id"])
    assert reply["text"].startswith("⛔") and "还没有绑定身份" in reply["text"]
    assert "导入任务清单" in reply["text"]
    asked = await tg.send_command(stranger["id"], "tasks")
    refused = await tg.wait_for_message(stranger["id"], after_message_id=asked["message_id"])
    assert refused["text"].startswith("⛔") and "/tasks" in refused["text"]


async def test_broken_upload_lists_problems_and_cancel_changes_nothing(
    tg: EmulatorClient, bot: BotProcess, admin: dict
) -> None:
    uid = admin["id"]
    sent = await tg.send_document(uid, "序号,项目名称\n1,甲\n".encode(), "bad.csv")
    reply = await tg.wait_for_message(uid, after_message_id=sent["message_id"], timeout=30)
    assert "未导入任何内容" in reply["text"] and "缺少" in reply["text"]
    assert not reply.get("reply_markup")

    sent = await tg.send_document(uid, SAMPLE.read_bytes(), SAMPLE.name)
    preview = await tg.wait_for_message(uid, after_message_id=sent["message_id"], timeout=30)
    assert preview.get("reply_markup"), preview["text"]
    cancelled = await press_and_wait_edit(tg, uid, preview, "取消")
    assert "已取消导入" in cancelled["text"]
    asked = await tg.send_command(uid, "tasks")
    page = await tg.wait_for_message(uid, after_message_id=asked["message_id"], timeout=15)
    assert "还没有任务清单" in page["text"]
