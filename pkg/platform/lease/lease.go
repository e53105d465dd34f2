// Package lease keeps scheduled passes from overlapping without reserved
// concurrency (which a new account's quota of 10 cannot give): a pass
// holds a lease in the state table, a conditional write with an end time,
// so a crashed holder frees it by running out.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Store is the state store's lease.
type Store interface {
	Lease(ctx context.Context, key, owner string, now, until time.Time) (bool, error)
	Release(ctx context.Context, key, owner string) error
}

// Take takes the lease at key until until under a fresh owner name. It
// returns ok false when another holder has it; release gives it back.
func Take(ctx context.Context, s Store, key string, now, until time.Time) (release func(context.Context) error, ok bool, err error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	owner := hex.EncodeToString(b)
	ok, err = s.Lease(ctx, key, owner, now, until)
	if err != nil {
		return nil, false, fmt.Errorf("lease %s: %w", key, err)
	}
	if !ok {
		return nil, false, nil
	}
	return func(ctx context.Context) error { return s.Release(ctx, key, owner) }, true, nil
}
