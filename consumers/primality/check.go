package primality

// Check reports whether Handle would dead-letter body as malformed: it
// parses and validates the message exactly as Handle does, without testing
// the number. The error is the reason the dead letter would give.
func (h *Handler) Check(body []byte) error {
	_, err := parseMessage(body, h.opts.MaxDigits)
	return err
}
