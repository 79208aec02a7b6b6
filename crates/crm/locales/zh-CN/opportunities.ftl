# 销售机会、客户开发计划、销售漏斗看板及其报表（SAL-1..5）。

nav-opportunities = 销售机会
nav-pipeline = 销售漏斗
kind-opportunity-loss-reason = 机会失败原因

opportunities-title = 销售机会
opportunities-new = 新建销售机会
opportunities-edit = 编辑销售机会
opportunities-record = 销售机会
opportunities-plan = 客户开发计划
opportunities-all-statuses = 全部状态
opportunities-all-stages = 全部阶段
opportunities-stale-only = 只看久未跟进
opportunities-stale = 久未跟进
opportunities-no-customer = 尚未成为客户
opportunities-assign = 指派
opportunities-move = 移动
opportunities-close = 结束开发
opportunities-won = 开发成功（创建客户）
opportunities-won-hint = 开发成功将以机会的联系人创建客户（或把关联的潜在客户转为正式客户）并建立关联。
opportunities-lost = 终止开发

opportunity-status-unassigned = 未指派
opportunity-status-assigned = 已指派
opportunity-status-won = 开发成功
opportunity-status-lost = 开发失败

field-opportunity-number = 编号
field-opportunity-customer-name = 客户名称
field-opportunity-customer-id = 客户
field-opportunity-source-id = 机会来源
field-opportunity-probability = 成功几率（%）
field-opportunity-summary = 概要
field-opportunity-contact-name = 联系人
field-opportunity-contact-phone = 联系电话
field-opportunity-description = 机会描述
field-opportunity-status = 状态
field-opportunity-stage-id = 阶段
field-opportunity-amount = 预计金额
field-opportunity-currency = 币种
field-opportunity-expected-close-date = 预计成交日期
field-opportunity-owner-id = 负责人
field-opportunity-created-by = 创建人
field-opportunity-assignee-id = 指派给
field-opportunity-reason-id = 原因
field-opportunity-outcome = 结果
field-opportunity-closed-at = 结束时间
field-opportunity-last-activity-at = 最近跟进
hint-probability = 0–100；默认取阶段的几率

field-plan-planned-on = 日期
field-plan-content = 计划内容
field-plan-result = 执行结果
plan-add = 添加计划项
plan-record-result = 记录执行结果
plan-empty = 还没有计划项。

pipeline-title = 销售漏斗
pipeline-hint = 把卡片拖到另一个阶段，或在卡片上选择阶段。赢单与输单会结束该机会。
pipeline-count = { $n } 个机会
pipeline-all-of-stage = 查看该阶段全部

funnel-title = 销售漏斗分析
forecast-title = 销售预测
forecast-no-date = 未填预计成交日期
forecast-no-owner = 无负责人
forecast-hint = 进行中的机会；加权金额 = 预计金额 × 成功几率。不同币种从不相加。
report-from = 从
report-to = 到
report-by = 分组
report-download-csv = 下载 CSV
report-download-xlsx = 下载 Excel
report-total = 合计

flash-reason-needed = 终止开发需要选择原因：请在下方选择。
error-closing-stage = 赢单与输单只能通过结束开发进入

nav-pipeline-stages = 销售阶段
stages-title = 销售阶段
stages-intro = 销售漏斗看板的各列，按位置从左到右排列。机会进入某阶段时取该阶段的成功几率。赢单与输单用于结束机会，不能删除。
stages-new = 新建阶段
stages-probability-hint = 0–100 %
field-stage-name = 阶段名称
field-stage-position = 位置
field-stage-probability = 成功几率（%）
