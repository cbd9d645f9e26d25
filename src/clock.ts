// The one clock: milliseconds since the epoch. Every service that reads the time takes it as `now` (defaulting to the
// system clock); createServices passes one clock to all of them, so a test can move time for the whole application
// at once, and no module keeps a clock of its own.
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** The clock's time as a Date. */
export const dateOf = (clock: Clock): Date => new Date(clock());
