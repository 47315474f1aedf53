/* The two clocks ndx reads: one for durations, one for timestamps. */
#ifndef NDX_CLOCK_H
#define NDX_CLOCK_H

/* Seconds on the monotonic clock, for how long something took. */
double ndx_seconds(void);
/* Now in UTC as ISO 8601, "2026-12-03T16:40:01Z": lines of a log. */
void ndx_utc_now(char buf[21]);

#endif
