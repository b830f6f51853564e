"""Information sessions and workshops: booking, waiting list, reminders, coordinators' view."""
