// Package secrets reads SecureString parameters from SSM Parameter Store:
// with a short retry at cold start, and, when they stay unreadable (a
// missing parameter, the wrong region, a permission not yet granted), again
// in the background until they can be read, so the function serves in the
// meantime instead of failing its init.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"punchline/pkg/platform/emf"
	"punchline/pkg/platform/wait"
)

// Getter is the SSM call this package needs.
type Getter interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Retry is how reads are retried: Attempts tries, Backoff before the
// second and doubling after, each try bounded by PerTry.
type Retry struct {
	Attempts int
	Backoff  time.Duration
	PerTry   time.Duration
}

// ColdStart is the retry at init: three tries within 3 s at worst (a
// hanging SSM), well inside Lambda's 10 s init, so a slow or throttled SSM
// is ridden out but an absent parameter does not hold the start long.
var ColdStart = Retry{Attempts: 3, Backoff: 200 * time.Millisecond, PerTry: 800 * time.Millisecond}

// Read returns the decrypted value of parameter name, retrying as r says.
func Read(ctx context.Context, g Getter, name string, r Retry) (string, error) {
	var err error
	pause := r.Backoff
	for i := range max(1, r.Attempts) {
		if i > 0 {
			if cerr := wait.Sleep(ctx, pause); cerr != nil {
				return "", fmt.Errorf("read %s: %w (last: %w)", name, cerr, err)
			}
			pause *= 2
		}
		var v string
		if v, err = readOnce(ctx, g, name, r.PerTry); err == nil {
			return v, nil
		}
		var missing *types.ParameterNotFound
		if errors.As(err, &missing) { // asking again at once will not create it
			return "", fmt.Errorf("read %s: %w", name, err)
		}
	}
	return "", fmt.Errorf("read %s after %d tries: %w", name, max(1, r.Attempts), err)
}

func readOnce(ctx context.Context, g Getter, name string, perTry time.Duration) (string, error) {
	if perTry > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, perTry)
		defer cancel()
	}
	out, err := g.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return "", err
	}
	if out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
		return "", errors.New("the parameter is empty")
	}
	return aws.ToString(out.Parameter.Value), nil
}

// Set is the secrets a function needs, by parameter name; values already
// known (given directly, for local runs) are taken as read.
type Set struct {
	Names  map[string]string // what → parameter name; "" or absent: not needed
	Values map[string]string // what → value given directly
}

// ReadAll reads every needed secret in s, side by side (a cold start
// waits for the slowest, not the sum). It returns what it could read and,
// per secret it could not, the error.
func ReadAll(ctx context.Context, g Getter, s Set, r Retry) (map[string]string, map[string]error) {
	got, failed := map[string]string{}, map[string]error{}
	for what, v := range s.Values {
		if v != "" {
			got[what] = v
		}
	}
	todo := map[string]string{} // decided before any read starts: the reads write got
	for what, name := range s.Names {
		switch {
		case name == "" || got[what] != "":
		case g == nil:
			failed[what] = fmt.Errorf("read %s: no SSM client", name)
		default:
			todo[what] = name
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for what, name := range todo {
		wg.Go(func() {
			v, err := Read(ctx, g, name, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[what] = err
				return
			}
			got[what] = v
		})
	}
	wg.Wait()
	return got, failed
}

// Watch retries the secrets that failed every interval (doubling up to
// maxInterval) until all are read or ctx ends; each round's failures go
// to onFail, and the complete set, once, to onReady. got is what ReadAll
// returned: the values given and those read already, which are not asked
// for again.
func Watch(ctx context.Context, g Getter, s Set, got map[string]string, interval, maxInterval time.Duration,
	onFail func(map[string]error), onReady func(map[string]string)) {
	for {
		if wait.Sleep(ctx, interval) != nil {
			return
		}
		all, failed := ReadAll(ctx, g, Set{Names: s.Names, Values: got}, Retry{Attempts: 1, PerTry: 2 * time.Second})
		if len(failed) == 0 {
			onReady(all)
			return
		}
		got = all
		onFail(failed)
		interval = min(2*interval, maxInterval)
	}
}

// Report logs each unreadable secret at ERROR and counts them in the
// SecretsUnreadable metric, which an alarm watches.
func Report(ctx context.Context, log *slog.Logger, failed map[string]error) {
	for what, err := range failed {
		log.ErrorContext(ctx, "secret unreadable; going on without it and retrying", "secret", what, "error", err)
	}
	emf.Log(ctx, log, "metrics", time.Now(), emf.Line{Metrics: []emf.Metric{
		{Name: "SecretsUnreadable", Unit: "Count", Value: int64(len(failed))},
	}})
}
