package statsync_test

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/statsync"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// countingDB counts the write requests sent to DynamoDB.
type countingDB struct {
	*dynamodb.Client
	updates atomic.Int64
}

func (c *countingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.updates.Add(1)
	return c.Client.UpdateItem(ctx, in, opts...)
}

func newMotoEnv(t *testing.T) (*env, *countingDB) {
	t.Helper()
	moto := mototest.Start(t)
	db := &countingDB{Client: moto.DynamoDB()}
	return newEnv(t, dynamo.NewResults(db, moto.ResultsTable(t)), dynamo.NewState(moto.DynamoDB(), moto.StateTable(t))), db
}

// Against DynamoDB (moto_server): the items match the served battles, an
// unchanged second run sends no write at all, and a run killed half-way
// then re-run ends in the same table as one clean run.
func TestDynamoDB(t *testing.T) {
	items := arenatest.Generate(200, 40, now, 1)
	items[2].Result = "SAME"
	both := items[9]

	clean, db := newMotoEnv(t)
	clean.serve(items, firstSide)
	clean.ours(func(int64) time.Time { return both.Date }, both.Result2ID)
	generation := db.updates.Load()
	sum := clean.run(clean.opts())
	if !sum.Complete || sum.Written != 201 || db.updates.Load()-generation != 201 {
		t.Fatalf("first run: %+v, %d updates", sum, db.updates.Load()-generation)
	}
	tab := clean.table()
	for _, c := range []struct {
		id      int64
		outcome string
	}{{items[0].Result1ID, "win"}, {items[2].Result1ID, "tie"}, {both.Result1ID, "win"}, {both.Result2ID, "loss"}} {
		if got := tab[str(c.id)]; got["outcome"] != c.outcome || got["created_day"] == nil {
			t.Errorf("result %d: %v, want outcome %s beside the generation attributes", c.id, got, c.outcome)
		}
	}
	before := db.updates.Load()
	if again := clean.run(clean.opts()); again.Written != 0 || db.updates.Load() != before {
		t.Fatalf("second run: %+v, %d write requests", again, db.updates.Load()-before)
	}

	e, _ := newMotoEnv(t)
	e.serve(items, firstSide)
	e.ours(func(int64) time.Time { return both.Date }, both.Result2ID)
	ctx, cancel := context.WithCancel(context.Background())
	k := &killer{store: e.results, cancel: cancel}
	k.left.Store(90)
	o := e.opts()
	o.Results = k
	if _, err := statsync.Run(ctx, o); err == nil {
		t.Fatal("killed run: no error")
	}
	e.run(e.opts())
	if !reflect.DeepEqual(e.table(), tab) {
		t.Error("killed and rerun differs from one clean run")
	}
}
