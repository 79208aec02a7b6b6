# 客户服务：服务请求及其处理流程、服务时限（SVC-1..3, SVC-5）。

nav-service = 客户服务
service-title = 服务请求
service-new = 新建服务请求
service-edit = 编辑服务请求
service-record = 服务请求
service-views = 视图
service-view-all = 全部
service-view-mine = 我处理的
service-view-queue = 待分配
service-view-overdue = 已超时
service-view-archived = 已归档
service-all-types = 全部类型
service-all-statuses = 全部状态
service-overdue = 超时
service-assign = 分配
service-handle = 处理
service-feedback = 反馈
service-feedback-hint = 满意度 3 分及以上归档；低于 3 分退回处理人再次处理。
service-rating-1 = 1 – 非常不满意
service-rating-2 = 2 – 不满意
service-rating-3 = 3 – 一般
service-rating-4 = 4 – 满意
service-rating-5 = 5 – 非常满意

service-status-created = 新创建
service-status-assigned = 已分配
service-status-handled = 已处理
service-status-archived = 已归档

field-service-number = 编号
field-service-customer-id = 客户
field-service-type-id = 服务类型
field-service-summary = 概要
field-service-request = 服务请求
field-service-status = 状态
field-service-created-by = 创建人
field-service-created-at = 创建时间
field-service-handler-id = 处理人
field-service-handling = 服务处理
field-service-result = 处理结果
field-service-satisfaction = 满意度
field-service-rounds = 处理轮次
field-service-respond-by = 响应时限
field-service-resolve-by = 解决时限
field-service-archived-at = 归档时间
field-service-from = 起始日期
field-service-to = 截止日期

service-articles = 相关知识
service-no-articles = 尚未关联知识库文章。
service-link = 关联
service-unlink = 取消关联

nav-knowledge = 知识库
knowledge-title = 知识库
knowledge-new = 新建文章
knowledge-edit = 编辑文章
knowledge-record = 知识库文章
knowledge-tags-hint = 多个标签用逗号或空格分隔
knowledge-markdown-hint = 正文使用 Markdown：**加粗**、# 标题、- 列表、[链接](https://…)。
field-knowledge-title = 标题
field-knowledge-category = 分类
field-knowledge-tags = 标签
field-knowledge-body = 正文
field-knowledge-updated-at = 更新时间
field-service-article-id = 知识库文章

nav-service-sla = 服务时限
sla-title = 服务时限
sla-intro = 每种服务类型的响应时限（分配处理人）和解决时限（归档），以分钟计；对此后新建的服务请求生效。
sla-default = 默认
field-sla-response-minutes = 响应时限（分钟）
field-sla-resolution-minutes = 解决时限（分钟）
service-all-handlers = 全部处理人
filter-remove = 去掉此筛选
