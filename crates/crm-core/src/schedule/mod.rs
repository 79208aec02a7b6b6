//! Tasks and the calendar (事件日程, TSK-1, TSK-2, TSK-4): follow-up tasks with an owner, due
//! time and priority, linked to a customer, opportunity or service request; appointments,
//! calls and meetings with their attendees, warned of when they overlap; and each user's
//! calendar as an iCalendar feed (INT-4).

pub mod actions;
mod events;
pub mod ical;
mod store;
mod tasks;

pub use events::{Booking, Conflict, Event, EventInput, EventKind, EventPatch, EventPatchInput, NewEvent, Range};
pub use store::ScheduleStore;
pub use tasks::{NewTask, Priority, Task, TaskAssignInput, TaskInput, TaskPatch, TaskPatchInput, TaskStatus};
