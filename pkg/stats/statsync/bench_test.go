package statsync_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/meme"
	"punchline/pkg/platform/httpretry"
	"punchline/pkg/stats/arena"
	"punchline/pkg/stats/arena/arenatest"
	"punchline/pkg/stats/statsync"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/mototest"
)

// BenchmarkSync10k syncs 10,000 battles (500 a day over 20 days, one side
// ours) from the arena test server into moto-backed DynamoDB, then syncs
// again with nothing changed. Reported: battles per second of the first
// run, and DynamoDB write requests of each run (the second must be 0).
// Run it with -benchtime=1x: every iteration builds its own tables.
func BenchmarkSync10k(b *testing.B) {
	const n = 10_000
	moto := mototest.Start(b)
	srv := arenatest.New()
	defer srv.Close()
	items := arenatest.Generate(n, 500, now, 1)
	srv.Put(items...)
	var firstWrites, secondWrites, rate float64
	for b.Loop() {
		b.StopTimer()
		db := &countingDB{Client: moto.DynamoDB()}
		results := moto.ResultsTable(b)
		seedOurs(b, moto.DynamoDB(), results, items)
		o := statsync.Options{
			Arena:         arena.New(&httpretry.Client{HTTP: srv.Client()}, srv.BattlesURL(), ""),
			Results:       dynamo.NewResults(db, results),
			State:         dynamo.NewState(moto.DynamoDB(), moto.StateTable(b)),
			RefreshWindow: 72 * time.Hour, Concurrency: 8,
			Now: func() time.Time { return now },
		}
		b.StartTimer()
		start := time.Now()
		sum, err := statsync.Run(context.Background(), o)
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || !sum.Complete || sum.Written != n {
			b.Fatalf("first run: %v %+v", err, sum)
		}
		firstWrites, rate = float64(db.updates.Load()), n/elapsed.Seconds()
		db.updates.Store(0)
		sum, err = statsync.Run(context.Background(), o)
		if err != nil || sum.Written != 0 {
			b.Fatalf("second run: %v %+v", err, sum)
		}
		secondWrites = float64(db.updates.Load())
		b.StartTimer()
	}
	b.ReportMetric(rate, "battles/s")
	b.ReportMetric(firstWrites, "writes-first")
	b.ReportMetric(secondWrites, "writes-second")
}

// seedOurs writes the generation items of every battle's first side with
// BatchWriteItem, 25 a request, 8 requests at once.
func seedOurs(b *testing.B, db *dynamodb.Client, table string, items []arenatest.Item) {
	var batches [][]types.WriteRequest
	var cur []types.WriteRequest
	for _, it := range items {
		d := it.Date.UTC()
		cur = append(cur, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"result_id":   &types.AttributeValueMemberN{Value: strconv.FormatInt(it.Result1ID, 10)},
			"created_at":  &types.AttributeValueMemberS{Value: d.Format(meme.TimeLayout)},
			"created_day": &types.AttributeValueMemberS{Value: d.Format(meme.DayLayout)},
			"strategy":    &types.AttributeValueMemberS{Value: "llm-classic"},
		}}})
		if len(cur) == 25 {
			batches, cur = append(batches, cur), nil
		}
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	work := make(chan []types.WriteRequest)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reqs := range work {
				for len(reqs) > 0 {
					out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
					if err != nil {
						b.Error(err)
						return
					}
					reqs = out.UnprocessedItems[table]
				}
			}
		}()
	}
	for _, reqs := range batches {
		work <- reqs
	}
	close(work)
	wg.Wait()
}
