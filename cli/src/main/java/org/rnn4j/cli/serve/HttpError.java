package org.rnn4j.cli.serve;

/** A request the server answers with this status and a JSON {"error": message}. */
final class HttpError extends Exception {
  private static final long serialVersionUID = 1L;
  final int status;

  HttpError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static HttpError badRequest(String message) {
    return new HttpError(400, message);
  }
}
