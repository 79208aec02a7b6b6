# Customer service: service requests, their lifecycle and service levels (SVC-1..3, SVC-5).

nav-service = Service
service-title = Service requests
service-new = New service request
service-edit = Edit service request
service-record = Service request
service-views = Views
service-view-all = All
service-view-mine = Mine to handle
service-view-queue = Unassigned
service-view-overdue = Overdue
service-view-archived = Archived
service-all-types = All types
service-all-statuses = All statuses
service-overdue = Overdue
service-assign = Assign
service-handle = Record handling
service-feedback = Record feedback
service-feedback-hint = A rating of 3 or more archives the request; below 3 it goes back to the handler.
service-rating-1 = 1 – very dissatisfied
service-rating-2 = 2 – dissatisfied
service-rating-3 = 3 – neutral
service-rating-4 = 4 – satisfied
service-rating-5 = 5 – very satisfied

service-status-created = New
service-status-assigned = Assigned
service-status-handled = Handled
service-status-archived = Archived

field-service-number = Number
field-service-customer-id = Customer
field-service-type-id = Service type
field-service-summary = Summary
field-service-request = Request
field-service-status = Status
field-service-created-by = Taken by
field-service-created-at = Created
field-service-handler-id = Handler
field-service-handling = Handling
field-service-result = Result
field-service-satisfaction = Satisfaction
field-service-rounds = Rounds
field-service-respond-by = Respond by
field-service-resolve-by = Resolve by
field-service-archived-at = Archived
field-service-from = From
field-service-to = To

service-articles = Related articles
service-no-articles = No knowledge base article linked yet.
service-link = Link
service-unlink = Unlink

nav-knowledge = Knowledge base
knowledge-title = Knowledge base
knowledge-new = New article
knowledge-edit = Edit article
knowledge-record = Knowledge base article
knowledge-tags-hint = Separate tags with commas or spaces
knowledge-markdown-hint = The body is Markdown: **bold**, # heading, - list, [link](https://…).
field-knowledge-title = Title
field-knowledge-category = Category
field-knowledge-tags = Tags
field-knowledge-body = Body
field-knowledge-updated-at = Updated
field-service-article-id = Article

nav-service-sla = Service levels
sla-title = Service levels
sla-intro = Per service type, the minutes to respond (assign a handler) and to resolve (archive); they apply to requests taken from now on.
sla-default = Default
field-sla-response-minutes = Respond within (minutes)
field-sla-resolution-minutes = Resolve within (minutes)
service-all-handlers = All handlers
filter-remove = Remove this filter
