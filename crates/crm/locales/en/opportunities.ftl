# Sales opportunities, development plans, the pipeline board and its reports (SAL-1..5).

nav-opportunities = Opportunities
nav-pipeline = Pipeline
kind-opportunity-loss-reason = Opportunity loss reasons

opportunities-title = Sales opportunities
opportunities-new = New opportunity
opportunities-edit = Edit opportunity
opportunities-record = Sales opportunity
opportunities-plan = Development plan
opportunities-all-statuses = All statuses
opportunities-all-stages = All stages
opportunities-stale-only = Stale only
opportunities-stale = Stale
opportunities-no-customer = not yet a customer
opportunities-assign = Assign
opportunities-move = Move
opportunities-close = Close
opportunities-won = Won — create the customer
opportunities-won-hint = Winning creates the customer with the contact (or makes the linked prospect a customer) and links it.
opportunities-lost = Lost

opportunity-status-unassigned = Unassigned
opportunity-status-assigned = Assigned
opportunity-status-won = Won
opportunity-status-lost = Lost

field-opportunity-number = Number
field-opportunity-customer-name = Customer name
field-opportunity-customer-id = Customer
field-opportunity-source-id = Source
field-opportunity-probability = Probability (%)
field-opportunity-summary = Summary
field-opportunity-contact-name = Contact
field-opportunity-contact-phone = Contact phone
field-opportunity-description = Description
field-opportunity-status = Status
field-opportunity-stage-id = Stage
field-opportunity-amount = Estimated value
field-opportunity-currency = Currency
field-opportunity-expected-close-date = Expected close
field-opportunity-owner-id = Owner
field-opportunity-created-by = Created by
field-opportunity-assignee-id = Assigned to
field-opportunity-reason-id = Reason
field-opportunity-outcome = Outcome
field-opportunity-closed-at = Closed
field-opportunity-last-activity-at = Last activity
hint-probability = 0–100; defaults to the stage's

field-plan-planned-on = Date
field-plan-content = Plan
field-plan-result = Result
plan-add = Add step
plan-record-result = Record result
plan-empty = No steps planned yet.

pipeline-title = Sales pipeline
pipeline-hint = Drag a card to another stage, or choose the stage on the card. Won and lost close the opportunity.
pipeline-count = { $n } opportunities
pipeline-all-of-stage = All of this stage

funnel-title = Sales funnel
forecast-title = Sales forecast
forecast-no-date = No expected close date
forecast-no-owner = No owner
forecast-hint = Open opportunities; weighted = estimated value × probability. Currencies are never added together.
report-from = From
report-to = To
report-by = Group by
report-download-csv = Download CSV
report-download-xlsx = Download Excel
report-total = Total

flash-reason-needed = Losing an opportunity needs a reason: choose it below.
error-closing-stage = won and lost are entered by closing the opportunity

nav-pipeline-stages = Pipeline stages
stages-title = Pipeline stages
stages-intro = The columns of the pipeline board, left to right by position. An opportunity entering a stage takes its probability. Won and lost close an opportunity and stay.
stages-new = New stage
stages-probability-hint = 0–100 %
field-stage-name = Stage
field-stage-position = Position
field-stage-probability = Probability (%)
