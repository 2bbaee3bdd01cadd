import { pino, type Logger } from 'pino'

/**
 * Structured, leveled logs on stderr (stdout stays free for the CLI's own output). Fields
 * that could hold credentials are redacted wherever they appear.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      name: 'switchboard',
      level,
      redact: {
        paths: [
          'token',
          '*.token',
          'apiKey',
          '*.apiKey',
          'authorization',
          '*.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  )
}
