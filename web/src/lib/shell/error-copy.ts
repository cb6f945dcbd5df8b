// User-facing words for HTTP-ish failures, shared by every +error page so a 403 reads the same
// wherever it happens.
export interface ErrorCopy {
  title: string;
  detail: string;
  tone: 'warning' | 'error';
}

export function describeError(status: number, message: string | undefined): ErrorCopy {
  // Kit's default messages ("Not Found", "Internal Error") add nothing to our titles.
  const specific = message && !/^(not found|internal error|forbidden)$/i.test(message);

  switch (status) {
    case 403:
      return {
        title: 'Access denied',
        detail: specific ? message : "You don't have permission to view this page.",
        tone: 'warning',
      };
    case 404:
      return {
        title: 'Page not found',
        detail: specific ? message : "This page doesn't exist or is no longer available.",
        tone: 'warning',
      };
    default:
      return {
        title: 'Something went wrong',
        detail: specific ? message : 'An unexpected error occurred. Please try again.',
        tone: 'error',
      };
  }
}
