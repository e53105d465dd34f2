package dynamo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/meme"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"result_id": &types.AttributeValueMemberN{Value: id}}
}

// Generation writes and battle writes touch disjoint attributes of one
// item; neither may clobber the other, whichever comes first.
func TestGenerationAndBattleAttributesCoexist(t *testing.T) {
	moto := mototest.Start(t)
	table := moto.ResultsTable(t)
	db := moto.DynamoDB()
	store := dynamo.NewResults(db, table)
	ctx := context.Background()

	// The stats side writes first (a battle can be seen before our record lands).
	battle := dynamo.SetItem(table, key("7"), map[string]types.AttributeValue{
		"battle_id": &types.AttributeValueMemberN{Value: "1078"},
		"outcome":   &types.AttributeValueMemberS{Value: "win"},
	})
	if _, err := db.UpdateItem(ctx, battle); err != nil {
		t.Fatalf("battle update: %v", err)
	}
	rec := meme.Record{
		ResultID: 7, CreatedAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), Prompt: "кот и понедельник", Lang: "ru",
		Type: "image", MediaKey: "media/2026/11/21/7-ab.jpg", Bytes: 1234, Caption: "КОТ / ПОНЕДЕЛЬНИК",
		Text: "text meme", Strategy: "llm-classic", ChatModel: "gpt-4o-mini", ImageModel: "flux/schnell",
		Fallback: "", LatencyMS: 850, StageMS: map[string]int64{"plan": 400, "image": 300},
	}
	if err := store.PutGeneration(ctx, rec); err != nil {
		t.Fatalf("PutGeneration: %v", err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("7")})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	item := out.Item
	wantS := map[string]string{
		"created_at": "2026-11-21T10:00:00.000Z", "created_day": "2026-11-21", "prompt": "кот и понедельник", "lang": "ru", "type": "image",
		"media_key": "media/2026/11/21/7-ab.jpg", "caption": "КОТ / ПОНЕДЕЛЬНИК", "text": "text meme",
		"strategy": "llm-classic", "chat_model": "gpt-4o-mini", "image_model": "flux/schnell", "outcome": "win",
	}
	for attr, want := range wantS {
		got, ok := item[attr].(*types.AttributeValueMemberS)
		if !ok || got.Value != want {
			t.Errorf("%s = %#v, want S %q", attr, item[attr], want)
		}
	}
	wantN := map[string]string{"result_id": "7", "bytes": "1234", "latency_ms": "850", "battle_id": "1078"}
	for attr, want := range wantN {
		got, ok := item[attr].(*types.AttributeValueMemberN)
		if !ok || got.Value != want {
			t.Errorf("%s = %#v, want N %s", attr, item[attr], want)
		}
	}
	stages, ok := item["stage_ms"].(*types.AttributeValueMemberM)
	if !ok || len(stages.Value) != 2 {
		t.Errorf("stage_ms = %#v, want a map of 2 stages", item["stage_ms"])
	}
	if _, ok := item["fallback"]; ok {
		t.Errorf("empty fallback was written; empty attributes should be omitted")
	}

	// A second generation write (a retry) leaves the battle side alone.
	rec.Strategy = "offline-classic"
	if err := store.PutGeneration(ctx, rec); err != nil {
		t.Fatalf("PutGeneration again: %v", err)
	}
	out, _ = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("7")})
	if got := out.Item["outcome"].(*types.AttributeValueMemberS).Value; got != "win" {
		t.Errorf("outcome after second generation write = %q, want win", got)
	}
	if got := out.Item["strategy"].(*types.AttributeValueMemberS).Value; got != "offline-classic" {
		t.Errorf("strategy = %q, want the new value", got)
	}
}

func TestSetItemUsesPlaceholdersForReservedWords(t *testing.T) {
	in := dynamo.SetItem("t", key("1"), map[string]types.AttributeValue{
		"type":  &types.AttributeValueMemberS{Value: "image"},
		"bytes": &types.AttributeValueMemberN{Value: "1"},
	})
	if got, want := aws.ToString(in.UpdateExpression), "SET #a0 = :v0, #a1 = :v1"; got != want {
		t.Errorf("expression = %q, want %q", got, want)
	}
	if in.ExpressionAttributeNames["#a0"] != "bytes" || in.ExpressionAttributeNames["#a1"] != "type" {
		t.Errorf("names = %v", in.ExpressionAttributeNames)
	}
	if strings.Contains(aws.ToString(in.UpdateExpression), "type") {
		t.Errorf("reserved word in expression")
	}
}

func TestPutGenerationToMissingTableFails(t *testing.T) {
	moto := mototest.Start(t)
	store := dynamo.NewResults(moto.DynamoDB(), "no-such-table")
	err := store.PutGeneration(context.Background(), meme.Record{ResultID: 1, Type: "text"})
	if err == nil || !strings.Contains(err.Error(), "update result 1 in no-such-table") {
		t.Fatalf("err = %v, want wrapped error", err)
	}
}

// An item the table refuses (past 400 KB) is ErrRejected, so the stats
// pass skips that battle; a missing table is not: it fails the pass.
func TestPutBattleRejectedItem(t *testing.T) {
	moto := mototest.Start(t)
	table := moto.ResultsTable(t)
	store := dynamo.NewResults(moto.DynamoDB(), table)
	ctx := context.Background()
	big := meme.Record{ResultID: 8, CreatedAt: time.Now(), Prompt: "p", Type: "text", Text: strings.Repeat("x", 395<<10)}
	if err := store.PutGeneration(ctx, big); err != nil {
		t.Fatalf("PutGeneration: %v", err)
	}
	side := meme.BattleSide{BattleID: 1, Side: 1, OpponentResultID: 9, BattleResult: strings.Repeat("r", 8<<10), Outcome: "win", Hash: "h"}
	_, err := store.PutBattle(ctx, 8, side)
	if !errors.Is(err, meme.ErrRejected) {
		t.Fatalf("PutBattle past 400 KB: %v, want ErrRejected", err)
	}
	_, err = dynamo.NewResults(moto.DynamoDB(), "no-such-table").PutBattle(ctx, 8, side)
	if err == nil || errors.Is(err, meme.ErrRejected) {
		t.Errorf("missing table: %v, want an error that is not ErrRejected", err)
	}
}
