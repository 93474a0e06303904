package stage

import (
	"sync"
	"time"

	"github.com/nsqio/go-nsq"
)

// callState is the per-call scratch space of a handler goroutine, reused
// through a pool so the hot path does not allocate it. Its timer TOUCHes
// the current message while a handler runs long, so nsqd does not time
// the message out and redeliver it.
type callState struct {
	in  Input
	out Outputs

	every time.Duration
	mu    sync.Mutex
	msg   *nsq.Message
	timer *time.Timer
}

func newCallState(touchEvery time.Duration) *callState {
	st := &callState{every: touchEvery}
	st.timer = time.AfterFunc(time.Hour, st.touch)
	st.timer.Stop()
	return st
}

// watch starts touching m every st.every until unwatch.
func (st *callState) watch(m *nsq.Message) {
	st.mu.Lock()
	st.msg = m
	st.mu.Unlock()
	st.timer.Reset(st.every)
}

// unwatch stops touching the current message.
func (st *callState) unwatch() {
	st.timer.Stop()
	st.mu.Lock()
	st.msg = nil
	st.mu.Unlock()
}

func (st *callState) touch() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.msg != nil {
		st.msg.Touch()
		st.timer.Reset(st.every)
	}
}
