export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** The application's pino-http middleware (access lines, a child logger per request). */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');
