package nsqhttp_test

import (
	"strings"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/nsqhttp"
	"github.com/nsqfarm/nsqfarm/internal/nsqtest"
)

func TestCreateChannel(t *testing.T) {
	n := nsqtest.NSQD(t)
	addr := n.RealHTTPAddr().String()
	for range 2 { // creating twice is fine
		if err := nsqhttp.CreateChannel(t.Context(), addr, "numbers", "primality"); err != nil {
			t.Fatal(err)
		}
	}
	tp, err := n.GetExistingTopic("numbers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tp.GetExistingChannel("primality"); err != nil {
		t.Fatal(err)
	}
}

func TestCreateChannelErrors(t *testing.T) {
	n := nsqtest.NSQD(t)
	err := nsqhttp.CreateChannel(t.Context(), n.RealHTTPAddr().String(), "bad topic!", "c")
	if err == nil || !strings.Contains(err.Error(), "INVALID_TOPIC") {
		t.Fatalf("error %v, want nsqd's INVALID_TOPIC", err)
	}
	if err := nsqhttp.CreateTopic(t.Context(), "127.0.0.1:1", "t"); err == nil {
		t.Fatal("no error for an unreachable nsqd")
	}
}
