package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/learn"
	"punchline/pkg/meme"
	"punchline/pkg/platform/reqlog/logtest"
	"punchline/pkg/provider/providertest"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/mototest"
)

// Results where one recipe clearly wins make predict choose it for most
// new requests, the others still get their exploration share, and the
// recorded propensities match the shares observed.
func TestRunLearnsFromOutcomes(t *testing.T) {
	moto := mototest.Start(t)
	db := moto.DynamoDB()
	resultsTable, stateTable := moto.ResultsTable(t), moto.StateTable(t)
	results, state := dynamo.NewResults(db, resultsTable), dynamo.NewState(db, stateTable)
	ctx := context.Background()
	now := time.Now()

	// Past battles, Russian statements: the template recipe wins 40 of 45,
	// every other recipe 5 of 45.
	id := int64(1_000_000)
	for _, recipe := range []string{"template", "scene", "reaction", "text"} {
		for k := 0; k < 45; k++ {
			id++
			outcome := "loss"
			if (recipe == "template" && k < 40) || (recipe != "template" && k < 5) {
				outcome = "win"
			}
			at := now.Add(-time.Duration(k) * time.Hour)
			rec := meme.Record{ResultID: id, CreatedAt: at, Prompt: "кот", Lang: "ru", Type: "image", Strategy: "llm-" + recipe, Status: "done",
				Choice: meme.Choice{Recipe: recipe}}
			if err := results.PutGeneration(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if _, err := results.PutBattle(ctx, id, meme.BattleSide{BattleID: id, BattleDate: at.UTC().Format(meme.TimeLayout),
				OpponentResultID: 9_000_000 + id, Side: 1, Outcome: outcome, Hash: "h"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The stats function's step: the policy from the table, into the state table.
	pol, err := learn.Update(ctx, results, state, now, learn.Settings{Window: 28 * 24 * time.Hour, HalfLife: 7 * 24 * time.Hour})
	if err != nil || pol.Battles != 180 {
		t.Fatalf("policy: %d battles, %v", pol.Battles, err)
	}

	prov := providertest.New()
	defer prov.Close()
	base, logs := startOnMoto(t, moto, resultsTable, stateTable, prov)

	const n = 200
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := postAnswer(base+"/", fmt.Sprintf(`{"result_id":%d,"prompt":"кот и понедельник, версия %d"}`, 1+i, i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	counts, props := map[string]int{}, map[string]float64{}
	explored := 0
	for i := 1; i <= n; i++ {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(resultsTable), Key: map[string]types.AttributeValue{"result_id": &types.AttributeValueMemberN{Value: fmt.Sprint(i)}}})
		if err != nil || out.Item == nil {
			t.Fatalf("item %d: %v", i, err)
		}
		var row struct {
			Recipe     string  `dynamodbav:"recipe"`
			Propensity float64 `dynamodbav:"propensity"`
			Version    string  `dynamodbav:"policy_version"`
			Explore    bool    `dynamodbav:"explore"`
		}
		if err := attributevalue.UnmarshalMap(out.Item, &row); err != nil {
			t.Fatal(err)
		}
		if row.Version != pol.Version || row.Propensity <= 0 || row.Propensity > 1 {
			t.Fatalf("item %d: %+v (policy %s)\nlogs %s", i, row, pol.Version, logs.String())
		}
		counts[row.Recipe]++
		props[row.Recipe] += row.Propensity
		if row.Explore {
			explored++
		}
	}
	t.Logf("recipes drawn: %v, explored %d", counts, explored)
	if share := float64(counts["template"]) / n; share < 0.6 {
		t.Errorf("the winning recipe drew %.2f of requests", share)
	}
	// Exploration draws uniformly over the four runnable recipes in 10% of
	// requests, so the three losers get at least 7.5% between them
	// (expected 15 of 200; fewer than 6 would be a 1-in-1000 event).
	if others := n - counts["template"]; others < 6 {
		t.Errorf("the losing recipes drew %d of %d requests, below the exploration share", others, n)
	}
	if e := float64(explored) / n; math.Abs(e-0.1) > 3*math.Sqrt(0.1*0.9/n) {
		t.Errorf("explored %.3f of requests, want 0.1", e)
	}
	for r, c := range counts {
		observed := float64(c) / n
		recorded := props[r] / float64(c)
		se := math.Sqrt(observed*(1-observed)/n) + 0.02
		if math.Abs(observed-recorded) > 3*se {
			t.Errorf("%s: observed share %.3f, recorded propensity %.3f", r, observed, recorded)
		}
	}
}

// startOnMoto runs predict on moto's tables and bucket with the stand-in
// provider: two candidates, no judge, no speculative picture (the policy
// and examples tests read what the generator was offered).
func startOnMoto(t *testing.T, moto *mototest.Server, resultsTable, stateTable string, prov *providertest.Server) (string, *logtest.Buffer) {
	t.Helper()
	provURL, _ := url.Parse(prov.URL)
	env := moto.Env()
	env["RESULTS_TABLE"], env["STATE_TABLE"], env["MEDIA_BUCKET"] = resultsTable, stateTable, moto.Bucket(t)
	env["PROVIDER_API_KEY"], env["PROVIDER_BASE_URL"], env["FETCH_ALLOW_HOSTS"] = "k", prov.URL, provURL.Host
	env["DATA_DIR"], env["SPECULATE"], env["JUDGE_MODEL"], env["CANDIDATES"] = t.TempDir(), "off", "off", "2"
	return startRun(t, env)
}
