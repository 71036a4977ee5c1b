/* People pages' shared helpers: JSON requests with the user's key (any method), the strings
   of the workbench and the inbox in English and Simplified Chinese. */
"use strict";

const PEOPLE = (() => {
  Object.assign(window.SEATWISE_STRINGS.en, {
    workbench_title: "My week and time off",
    inbox_title: "Inbox: time off, swaps, re-planning",
    my_week: "My published week",
    no_shifts: "No published shifts this week.",
    request_time_off: "Request time off",
    first_day: "First day",
    last_day: "Last day",
    from_time: "From (part of a day)",
    to_time: "To",
    note: "Note",
    send_request: "Send request",
    my_requests: "My requests",
    balance: "Leave left this year",
    hours: "h",
    state: "State",
    days: "Days",
    reason: "Reason",
    cancel: "Cancel",
    state_pending: "Pending",
    state_waitlisted: "On the waitlist",
    state_approved: "Approved",
    state_denied: "Denied",
    state_cancelled: "Cancelled",
    waitlist_place: "place",
    requests_to_decide: "Time-off requests to decide",
    nothing_to_decide: "Nothing waiting for a decision.",
    agent: "Agent",
    shift_lost: "Published work lost",
    approve: "Approve",
    deny: "Deny",
    reason_needed: "Give a reason first.",
    swaps_to_decide: "Accepted swaps to decide",
    coverage_change: "Coverage change (queue-intervals)",
    replan: "Re-plan a published week",
    roster_id: "Roster id",
    start_replan: "Re-plan",
    replanning: "Re-planning…",
    changes: "Changes per agent",
    changed_intervals: "Changed intervals",
    removed: "Removed",
    added: "Added",
    publish: "Publish",
    published: "Published.",
    sent: "Sent.",
    activity: "Activity",
    start: "Start",
    end: "End",
    notifications: "What changed",
    roster_edit_title: "Edit a roster",
    fairness: "Fairness: each agent against the team's mean",
    weekend: "Weekend days",
    early: "Early starts",
    late: "Late ends",
    edit_row: "Edit a row",
    op: "Edit",
    op_change: "Move or shorten",
    op_add: "Add",
    op_delete: "Delete",
    row_start: "Row start",
    new_start: "New start",
    new_end: "New end (add: end)",
    force: "Keep even if it breaks a rule",
    apply: "Apply",
    saved: "Saved and published.",
    action_time_off_decide: "Time-off decision",
    action_time_off_waitlist_grant: "Granted from the waitlist",
    action_swap_accept: "Swap accepted",
    action_swap_decide: "Swap decision",
    action_roster_edit: "Schedule edited",
    state_offered: "Offered",
    state_accepted: "Accepted",
  });
  Object.assign(window.SEATWISE_STRINGS.zh, {
    workbench_title: "我的一周与休假",
    inbox_title: "待办：休假、换班、重新排班",
    my_week: "我已发布的一周",
    no_shifts: "本周没有已发布的班次。",
    request_time_off: "申请休假",
    first_day: "开始日期",
    last_day: "结束日期",
    from_time: "起（半天）",
    to_time: "止",
    note: "备注",
    send_request: "提交申请",
    my_requests: "我的申请",
    balance: "今年剩余假期",
    hours: "小时",
    state: "状态",
    days: "日期",
    reason: "理由",
    cancel: "撤销",
    state_pending: "待审批",
    state_waitlisted: "候补中",
    state_approved: "已批准",
    state_denied: "已拒绝",
    state_cancelled: "已撤销",
    waitlist_place: "名次",
    requests_to_decide: "待审批的休假申请",
    nothing_to_decide: "没有待审批的事项。",
    agent: "坐席",
    shift_lost: "失去的已发布工时",
    approve: "批准",
    deny: "拒绝",
    reason_needed: "请先填写理由。",
    swaps_to_decide: "待审批的换班",
    coverage_change: "覆盖变化（队列-时段）",
    replan: "重新排班已发布的一周",
    roster_id: "排班编号",
    start_replan: "重新排班",
    replanning: "正在重新排班…",
    changes: "每位坐席的变化",
    changed_intervals: "变化的时段",
    removed: "取消",
    added: "新增",
    publish: "发布",
    published: "已发布。",
    sent: "已提交。",
    activity: "活动",
    start: "开始",
    end: "结束",
    notifications: "变更通知",
    roster_edit_title: "编辑排班",
    fairness: "公平性：每位坐席与班组平均值对比",
    weekend: "周末天数",
    early: "早班",
    late: "晚班",
    edit_row: "编辑一行",
    op: "操作",
    op_change: "移动或缩短",
    op_add: "新增",
    op_delete: "删除",
    row_start: "原开始时间",
    new_start: "新开始时间",
    new_end: "新结束时间（新增：结束）",
    force: "即使违反规则也保留",
    apply: "应用",
    saved: "已保存并发布。",
    action_time_off_decide: "休假审批",
    action_time_off_waitlist_grant: "候补转为批准",
    action_swap_accept: "换班已接受",
    action_swap_decide: "换班审批",
    action_roster_edit: "班表已修改",
    state_offered: "已提出",
    state_accepted: "已接受",
  });

  /** `method path` with a JSON body and the signed-in key; the answer's JSON, or throws
      SW.ApiError with the server's detail (a 422 lists every rule). */
  async function send(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${localStorage.getItem("seatwise.key") || ""}`,
        "Content-Type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (response.headers.get("content-type") || "").includes("json");
    const answer = json ? await response.json() : null;
    if (!response.ok) {
      const detail = answer && answer.detail;
      const text = Array.isArray(detail) ? detail.map((e) => `${e.field}: ${e.rule}`).join("; ") : detail;
      throw new SW.ApiError(response.status, text || `${response.status}`);
    }
    return answer;
  }

  function stateLabel(row) {
    const label = SW.t(`state_${row.state}`);
    return row.waitlist_position ? `${label} (${SW.t("waitlist_place")} ${row.waitlist_position})` : label;
  }

  function days(row) {
    const span = row.first_day === row.last_day ? row.first_day : `${row.first_day} – ${row.last_day}`;
    return row.start_time ? `${span} ${row.start_time}–${row.end_time}` : span;
  }

  function status(id) {
    return SW.el("p", { id, class: "muted", role: "status" });
  }

  return { send, stateLabel, days, status };
})();
