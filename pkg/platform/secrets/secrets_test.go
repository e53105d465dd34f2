package secrets

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// fakeSSM answers GetParameter from values; failures[name] calls fail
// first; hang makes every call wait for its context.
type fakeSSM struct {
	mu       sync.Mutex
	values   map[string]string
	failures map[string]int
	hang     bool
	calls    atomic.Int32
}

func (f *fakeSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.calls.Add(1)
	if f.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	name := aws.ToString(in.Name)
	if !aws.ToBool(in.WithDecryption) {
		return nil, errors.New("asked without decryption")
	}
	if f.failures[name] > 0 {
		f.failures[name]--
		return nil, errors.New("ThrottlingException")
	}
	v, ok := f.values[name]
	if !ok {
		return nil, &types.ParameterNotFound{}
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(v)}}, nil
}

func (f *fakeSSM) set(name, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values[name] = v
}

func TestRead(t *testing.T) {
	fast := Retry{Attempts: 3, Backoff: time.Millisecond, PerTry: 50 * time.Millisecond}
	for _, tc := range []struct {
		name    string
		ssm     *fakeSSM
		want    string
		wantErr bool
		calls   int32
	}{
		{"first try", &fakeSSM{values: map[string]string{"/k": "v"}}, "v", false, 1},
		{"throttled twice", &fakeSSM{values: map[string]string{"/k": "v"}, failures: map[string]int{"/k": 2}}, "v", false, 3},
		{"throttled past the retries", &fakeSSM{values: map[string]string{"/k": "v"}, failures: map[string]int{"/k": 3}}, "", true, 3},
		{"missing: not asked again at once", &fakeSSM{values: map[string]string{}}, "", true, 1},
		{"empty", &fakeSSM{values: map[string]string{"/k": ""}}, "", true, 3},
		{"hanging", &fakeSSM{hang: true}, "", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(context.Background(), tc.ssm, "/k", fast)
			if got != tc.want || (err != nil) != tc.wantErr || tc.ssm.calls.Load() != tc.calls {
				t.Errorf("Read = %q, %v after %d calls; want %q, error %v, %d calls", got, err, tc.ssm.calls.Load(), tc.want, tc.wantErr, tc.calls)
			}
		})
	}
}

// ReadAll takes values given directly, reads the rest side by side, and
// reports each failure by what it is.
func TestReadAll(t *testing.T) {
	f := &fakeSSM{values: map[string]string{"/key": "k"}}
	got, failed := ReadAll(context.Background(), f, Set{
		Names:  map[string]string{"key": "/key", "token": "/token", "given": "/given", "unused": ""},
		Values: map[string]string{"given": "direct"},
	}, Retry{Attempts: 1})
	if got["key"] != "k" || got["given"] != "direct" || len(got) != 2 || len(failed) != 1 || failed["token"] == nil {
		t.Errorf("got %v failed %v", got, failed)
	}
	if f.calls.Load() != 2 { // /given was not read
		t.Errorf("%d calls", f.calls.Load())
	}
	if _, failed := ReadAll(context.Background(), nil, Set{Names: map[string]string{"key": "/key"}}, Retry{}); failed["key"] == nil {
		t.Error("no client: no failure")
	}
}

// Watch keeps retrying until the parameter appears, then hands over the
// whole set once.
func TestWatchUntilReadable(t *testing.T) {
	f := &fakeSSM{values: map[string]string{"/token": "t"}}
	s := Set{Names: map[string]string{"key": "/key", "token": "/token"}}
	got, failed := ReadAll(context.Background(), f, s, Retry{Attempts: 1})
	if len(failed) != 1 {
		t.Fatalf("failed %v", failed)
	}
	var fails atomic.Int32
	ready := make(chan map[string]string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Watch(ctx, f, s, got, 5*time.Millisecond, 10*time.Millisecond,
		func(map[string]error) {
			if fails.Add(1) == 2 {
				f.set("/key", "k") // created after the deploy
			}
		},
		func(all map[string]string) { ready <- all })
	select {
	case all := <-ready:
		if all["key"] != "k" || all["token"] != "t" {
			t.Errorf("ready with %v", all)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("never ready")
	}
}
