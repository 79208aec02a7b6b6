# Tasks and the calendar (TSK-1, TSK-2, TSK-4) and the calendar feed.

nav-tasks = Tasks
nav-calendar = Calendar
tasks-title = Tasks
tasks-new = New task
tasks-record = Task
tasks-views = Views
tasks-view-mine = My tasks
tasks-view-team = Team tasks
tasks-view-overdue = Overdue
tasks-all-statuses = All statuses
tasks-all-priorities = All priorities
tasks-all-owners = Everyone
tasks-overdue = Overdue
tasks-complete = Done
tasks-assign = Assign to
tasks-owner-me = Myself
schedule-no-customer = No customer

task-status-open = Open
task-status-done = Done
task-status-cancelled = Cancelled
task-priority-low = Low
task-priority-normal = Normal
task-priority-high = High
task-priority-urgent = Urgent

field-task-title = Task
field-task-owner-id = Owner
field-task-due-at = Due
field-task-priority = Priority
field-task-status = Status
field-task-customer-id = Customer
field-task-opportunity-id = Opportunity
field-task-service-request-id = Service request
field-task-notes = Notes
field-task-created-by = Created by
field-task-completed-at = Completed
field-task-division-id = Division

flash-task-done = The task is done.
flash-task-not-open = The task is no longer open.
flash-task-assigned = The task was given to its new owner.

calendar-title = Calendar
calendar-views = Calendar views
calendar-day = Day
calendar-week = Week
calendar-month = Month
calendar-me = Mine
calendar-team = Team
calendar-previous = Earlier
calendar-next = Later
calendar-today = Today
calendar-free = Nothing planned
calendar-truncated = Only the first 500 events of this period are shown; choose a shorter view.
calendar-weekday-1 = Mon
calendar-weekday-2 = Tue
calendar-weekday-3 = Wed
calendar-weekday-4 = Thu
calendar-weekday-5 = Fri
calendar-weekday-6 = Sat
calendar-weekday-7 = Sun
calendar-feed = Subscribe in a calendar app
calendar-feed-hint = Phones and mail clients (iPhone, Outlook, Google Calendar) can subscribe to a private address that lists the events you attend.
calendar-feed-url = Your calendar address
calendar-feed-once = Copy it now: it is shown only this once. Anyone with the address can read your calendar.
calendar-feed-create = Create my calendar address
calendar-feed-reset = Make a new address
calendar-feed-reset-confirm = The current address will stop working. Make a new one?

events-new = New appointment
events-record = Appointment
events-conflicts = This overlaps other appointments of the same people:
events-busy = busy
events-save-anyway = Save anyway

event-kind-appointment = Appointment
event-kind-call = Call
event-kind-meeting = Meeting

field-event-title = Subject
field-event-kind = Kind
field-event-starts-at = Starts
field-event-ends-at = Ends
field-event-attendee-ids = Attendees
field-event-customer-id = Customer
field-event-location = Location
field-event-notes = Notes
field-event-created-by = Organiser
field-event-division-id = Division

problem-overlap = The appointment overlaps others of the same people; confirm to save it anyway
error-not-after-start = must be after the start
error-range-too-long = at most { $param } days

entity-tasks = Tasks
entity-events = Appointments
entity-calendar_feeds = Calendar addresses
