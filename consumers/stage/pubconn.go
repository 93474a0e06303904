package stage

import (
	"errors"
	"fmt"
	"sync"

	"github.com/nsqio/go-nsq"

	"github.com/nsqfarm/nsqfarm/internal/nsqlog"
	"github.com/nsqfarm/nsqfarm/internal/nsqsecure"
)

// errConnClosed answers the publishes still pending when a publishing
// connection closes.
var errConnClosed = errors.New("connection to nsqd closed before it answered")

// pubConn is one publishing connection to an nsqd, built on go-nsq's Conn.
// Unlike go-nsq's Producer it never reconnects: once closed it fails every
// pending and later publish, and the destination that owns it dials a new
// one. nsqd answers the commands of a connection in order, so answers are
// matched to publishes first in, first out.
type pubConn struct {
	conn   *nsq.Conn
	answer func(arg any, err error)

	wmu     sync.Mutex // orders appends to pending with writes
	mu      sync.Mutex // guards pending and closed
	pending []any
	closed  bool
	onClose func() // guarded by mu
}

// dialPub connects to addr and completes nsqd's IDENTIFY handshake (TLS
// and AUTH included, as cfg says). When cfg asks for TLS and nsqd does not
// upgrade the connection, it refuses to publish in clear.
// answer is called once for every publish, from the connection's reader
// goroutine or from the goroutine that closes it; onClose once, after
// the pending publishes are answered.
func dialPub(addr string, cfg *nsq.Config, log nsqlog.Logger, answer func(arg any, err error), onClose func()) (*pubConn, error) {
	pc := &pubConn{answer: answer, onClose: onClose}
	pc.conn = nsq.NewConn(addr, cfg, connDelegate{pc})
	pc.conn.SetLogger(log, nsq.LogLevelWarning, "publish (%s)")
	resp, err := pc.conn.Connect()
	if err == nil {
		err = nsqsecure.CheckIdentify(cfg, resp)
	}
	if err != nil {
		// The caller never sees this connection: its close is not news.
		pc.mu.Lock()
		pc.onClose = nil
		pc.mu.Unlock()
		_ = pc.conn.Close()
		return nil, fmt.Errorf("connect to nsqd %s: %w", addr, err)
	}
	return pc, nil
}

// mpub sends an MPUB of bodies to topic; arg identifies it in the answer.
// It fails at once, without an answer, when the connection is closed.
func (pc *pubConn) mpub(topic string, bodies [][]byte, arg any) error {
	cmd, err := nsq.MultiPublish(topic, bodies)
	if err != nil {
		return fmt.Errorf("mpub to %s: %w", topic, err)
	}
	pc.wmu.Lock()
	defer pc.wmu.Unlock()
	pc.mu.Lock()
	if pc.closed {
		pc.mu.Unlock()
		return errConnClosed
	}
	pc.pending = append(pc.pending, arg)
	pc.mu.Unlock()
	// A write error reaches OnIOError, which closes the connection; the
	// close answers this publish with the others.
	_ = pc.conn.WriteCommand(cmd)
	return nil
}

// pop takes the oldest pending publish.
func (pc *pubConn) pop() (any, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if len(pc.pending) == 0 {
		return nil, false
	}
	arg := pc.pending[0]
	pc.pending[0] = nil
	pc.pending = pc.pending[1:]
	return arg, true
}

// close starts closing the connection; pending publishes are answered
// with errConnClosed once it is down.
func (pc *pubConn) close() { _ = pc.conn.Close() }

// connDelegate receives a publishing connection's events.
type connDelegate struct{ pc *pubConn }

func (d connDelegate) OnResponse(_ *nsq.Conn, data []byte) {
	if arg, ok := d.pc.pop(); ok {
		d.pc.answer(arg, nil)
	}
	_ = data // "OK": the only response to a publish
}

func (d connDelegate) OnError(c *nsq.Conn, data []byte) {
	if arg, ok := d.pc.pop(); ok {
		d.pc.answer(arg, nsq.ErrProtocol{Reason: string(data)})
	}
}

func (d connDelegate) OnIOError(c *nsq.Conn, _ error) { _ = c.Close() }

func (d connDelegate) OnClose(*nsq.Conn) {
	d.pc.mu.Lock()
	d.pc.closed = true
	pending := d.pc.pending
	d.pc.pending = nil
	onClose := d.pc.onClose
	d.pc.mu.Unlock()
	for _, arg := range pending {
		d.pc.answer(arg, errConnClosed)
	}
	if onClose != nil {
		onClose()
	}
}

func (connDelegate) OnMessage(*nsq.Conn, *nsq.Message)         {}
func (connDelegate) OnMessageFinished(*nsq.Conn, *nsq.Message) {}
func (connDelegate) OnMessageRequeued(*nsq.Conn, *nsq.Message) {}
func (connDelegate) OnBackoff(*nsq.Conn)                       {}
func (connDelegate) OnContinue(*nsq.Conn)                      {}
func (connDelegate) OnResume(*nsq.Conn)                        {}
func (connDelegate) OnHeartbeat(*nsq.Conn)                     {}
