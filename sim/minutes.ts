// The minute grid's constants, in a module of their own: the traffic worker threads import them without the
// calendar's scenario parsing (a worker boots in a fraction of the time).
export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 10080;
