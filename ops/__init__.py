"""Running the application in production: the scheduler of periodic work (nightly purge,
hourly clean-up, daily reminders), its tasks for the worker, and the reminder e-mails.

The top domain layer below demo: it calls the privacy purge, reporting's pending imports,
the jobs' clean-up and the modules' deadlines; nothing imports it but config."""
