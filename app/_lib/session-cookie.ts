/** The driver's session token is also kept in an httpOnly cookie, so a re-scan of the sticker finds the session. */
export const SESSION_COOKIE = 'ev_session';

export function sessionCookieOptions(publicBaseUrl: string) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: publicBaseUrl.startsWith('https://'),
    path: '/',
    maxAge: 24 * 3600,
  };
}
