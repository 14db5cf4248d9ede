/** The driver's session token is also kept in an httpOnly cookie, so a re-scan of the sticker finds the session. */
export const SESSION_COOKIE = 'ev_session';
export const SESSION_COOKIE_MAX_AGE_SECONDS = 24 * 3600;
