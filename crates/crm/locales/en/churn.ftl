# Churn warning: warnings, measures to keep the customer and the confirmed loss (CHN-1..3).

nav-churn = Churn warnings
churn-title = Churn warnings
churn-record = Churn warning
churn-views = Views
churn-view-open = Open
churn-view-lost = Lost
churn-view-all = All
churn-all-statuses = All statuses
churn-status-warning = Warning
churn-status-delaying = Delaying
churn-status-lost = Lost
churn-closed = Ordered again
churn-days = { $n } days
churn-measures = Measures to keep the customer
churn-no-measures = No measure recorded yet.
churn-add-measure = Delay the loss: record a measure
churn-confirm = Confirm the loss
churn-confirm-hint = Once confirmed, the customer's status becomes lost; a new order makes it active again.
churn-confirm-ask = Confirm that this customer is lost?

field-churn-customer-id = Customer
field-churn-owner-id = Account manager
field-churn-last-order-date = Last order
field-churn-days-since = Since
field-churn-status = Status
field-churn-created-at = Warned
field-churn-reason-id = Reason
field-churn-confirmed-at = Confirmed
field-churn-closed-at = Ordered again
field-churn-date = Date
field-churn-text = Measure
