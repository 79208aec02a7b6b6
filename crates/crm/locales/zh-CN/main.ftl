# 字段错误 (field errors): error-<code>, with { $param }
error-required = 必填
error-too-long = 不能超过 { $param } 个字
error-too-short = 至少 { $param } 个字符
error-invalid-username = 用户名须为 3–40 个英文字母、数字或 . _ -
error-invalid-email = 电子邮箱格式不正确
error-invalid-choice = 须为以下之一：{ $param }
error-invalid-time-zone = 时区无效（例如 Asia/Shanghai）
error-invalid-code = 编码只能使用小写英文字母、数字和下划线
error-unknown-permission = 未知权限：{ $param }
error-unknown-role = 未知角色：{ $param }
error-unknown-division = 未知版块：{ $param }
error-role-exceeds-your-rights = 不能授予超出自己权限的角色：{ $param }
error-cannot-freeze-yourself = 不能冻结自己的账号
error-wrong-password = 当前密码不正确
error-not-a-number = 须为数字
error-out-of-range = 超出范围 { $param }
error-invalid = 无效
error-not-sortable = 不能按此字段排序（可用：{ $param }）
error-unknown-filter = 没有这个筛选字段
error-invalid-filter = 筛选值无效
error-invalid-json = JSON 格式错误：{ $param }
error-invalid-type = 类型错误：{ $param }
error-unknown-field = 未知字段
error-invalid-id = 编号格式无效
error-taken = 已被使用
error-not-found = 不存在
error-not-editable = 该条目不可修改
error-invalid-date = 日期格式须为 YYYY-MM-DD
error-csrf = 表单已过期，请刷新页面后重试

# 问题 (problem titles)
problem-invalid-input = 输入有误
problem-bad-request = 请求格式错误
problem-unauthenticated = 需要登录
problem-account-frozen = 账号已冻结
problem-forbidden = 没有权限
problem-not-found = 记录不存在
problem-stale-version = 记录已被他人修改，请刷新后重试
problem-conflict = 与现有数据冲突
problem-invalid-state = 当前状态下不能执行此操作
problem-rate-limited = 尝试次数过多，请稍后再试
problem-internal = 服务器内部错误
problem-wrong-credentials = 用户名或密码错误
nav-home = 首页

# 基础数据 (base data)
error-negative = 不能为负数
error-invalid-currency = 须为三个字母的货币代码，例如 CNY
error-invalid-date-format = 须为年份（%Y 或 %y），可再加月（%m）和日（%d），例如 %Y%m%d
error-invalid-prefix = 只能使用英文字母、数字、- 和 _
error-invalid-parent = 须为同一类别的顶级条目
