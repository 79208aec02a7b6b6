# 事件日程：任务与日历 (TSK-1, TSK-2, TSK-4) 及日历订阅。

nav-tasks = 任务
nav-calendar = 日历
tasks-title = 任务
tasks-new = 新建任务
tasks-record = 任务
tasks-views = 视图
tasks-view-mine = 我的任务
tasks-view-team = 团队任务
tasks-view-overdue = 已逾期
tasks-all-statuses = 全部状态
tasks-all-priorities = 全部优先级
tasks-all-owners = 所有人
tasks-overdue = 逾期
tasks-complete = 完成
tasks-assign = 指派给
tasks-owner-me = 我自己
schedule-no-customer = 不关联客户

task-status-open = 待办
task-status-done = 已完成
task-status-cancelled = 已取消
task-priority-low = 低
task-priority-normal = 普通
task-priority-high = 高
task-priority-urgent = 紧急

field-task-title = 任务名称
field-task-owner-id = 负责人
field-task-due-at = 截止时间
field-task-priority = 优先级
field-task-status = 状态
field-task-customer-id = 客户
field-task-opportunity-id = 销售机会
field-task-service-request-id = 服务请求
field-task-notes = 备注
field-task-created-by = 创建人
field-task-completed-at = 完成时间
field-task-division-id = 版块

flash-task-done = 任务已完成。
flash-task-not-open = 该任务已不是待办状态。
flash-task-assigned = 任务已指派给新的负责人。

calendar-title = 日历
calendar-views = 日历视图
calendar-day = 日
calendar-week = 周
calendar-month = 月
calendar-me = 我的
calendar-team = 团队
calendar-previous = 向前
calendar-next = 向后
calendar-today = 今天
calendar-free = 暂无安排
calendar-truncated = 本时段只显示前 500 个日程，请选择更短的视图。
calendar-weekday-1 = 周一
calendar-weekday-2 = 周二
calendar-weekday-3 = 周三
calendar-weekday-4 = 周四
calendar-weekday-5 = 周五
calendar-weekday-6 = 周六
calendar-weekday-7 = 周日
calendar-feed = 在日历应用中订阅
calendar-feed-hint = 手机和邮件客户端（iPhone、Outlook、Google 日历）可以订阅一个私人地址，其中列出您参加的日程。
calendar-feed-url = 您的日历地址
calendar-feed-once = 请立即复制：该地址只显示这一次。任何拿到地址的人都能查看您的日历。
calendar-feed-create = 生成我的日历地址
calendar-feed-reset = 重新生成地址
calendar-feed-reset-confirm = 现有地址将失效。确定重新生成吗？

events-new = 新建日程
events-record = 日程
events-conflicts = 与相同人员的其他日程时间重叠：
events-busy = 忙碌
events-save-anyway = 仍然保存

event-kind-appointment = 约见
event-kind-call = 电话
event-kind-meeting = 会议

field-event-title = 主题
field-event-kind = 类型
field-event-starts-at = 开始时间
field-event-ends-at = 结束时间
field-event-attendee-ids = 参加人
field-event-customer-id = 客户
field-event-location = 地点
field-event-notes = 备注
field-event-created-by = 组织人
field-event-division-id = 版块

problem-overlap = 该日程与相同人员的其他日程时间重叠；确认后仍可保存
error-not-after-start = 必须晚于开始时间
error-range-too-long = 最多 { $param } 天

entity-tasks = 任务
entity-events = 日程
entity-calendar_feeds = 日历订阅地址
