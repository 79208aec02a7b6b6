# 客户流失管理：流失预警、暂缓流失与确认流失（CHN-1..3）。

nav-churn = 流失预警
churn-title = 客户流失预警
churn-record = 流失预警
churn-views = 视图
churn-view-open = 未关闭
churn-view-lost = 已流失
churn-view-all = 全部
churn-all-statuses = 全部状态
churn-status-warning = 流失预警
churn-status-delaying = 暂缓流失
churn-status-lost = 确认流失
churn-closed = 已重新下单
churn-days = { $n } 天
churn-measures = 挽留措施
churn-no-measures = 尚未记录挽留措施。
churn-add-measure = 暂缓流失：记录措施
churn-confirm = 确认流失
churn-confirm-hint = 确认后，客户状态变为“流失”；客户再次下单时会自动恢复为正式客户。
churn-confirm-ask = 确认该客户已流失？

field-churn-customer-id = 客户
field-churn-owner-id = 客户经理
field-churn-last-order-date = 最后下单日期
field-churn-days-since = 距今
field-churn-status = 状态
field-churn-created-at = 预警时间
field-churn-reason-id = 流失原因
field-churn-confirmed-at = 确认时间
field-churn-closed-at = 重新下单时间
field-churn-date = 日期
field-churn-text = 措施
