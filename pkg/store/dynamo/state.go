package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/store/item"
)

// State reads and writes JSON documents in the state table (pk S).
type State struct {
	api   API
	table string
}

// NewState returns the state store for table.
func NewState(api API, table string) *State { return &State{api: api, table: table} }

// Load decodes the document at key into v; false when there is none.
func (s *State) Load(ctx context.Context, key string, v any) (bool, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}},
		ConsistentRead: aws.Bool(true), // a checkpoint must be the one just written
	})
	if err != nil {
		return false, fmt.Errorf("get %s from %s: %w", key, s.table, err)
	}
	val, ok := out.Item["value"].(*types.AttributeValueMemberS)
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal([]byte(val.Value), v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

// Save writes v as the document at key. Documents are JSON strings: the
// state is ours, not analysts', and JSON keeps its types exact.
func (s *State) Save(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk":         &types.AttributeValueMemberS{Value: key},
			"value":      &types.AttributeValueMemberS{Value: string(raw)},
			"updated_at": &types.AttributeValueMemberS{Value: item.Time(time.Now())},
		},
	})
	if err != nil {
		return fmt.Errorf("put %s in %s: %w", key, s.table, err)
	}
	return nil
}

// Take adds n to the counter at key when the total stays at most limit,
// in one conditional update, so concurrent Lambdas never overspend
// together. It returns the total and whether n was taken. The item
// expires (the table's TTL on expires_at) at expires.
func (s *State) Take(ctx context.Context, key string, n, limit int64, expires time.Time) (int64, bool, error) {
	out, ok, err := s.update(ctx, key, "ADD #n :n SET expires_at = :exp", "attribute_not_exists(#n) OR #n <= :room",
		map[string]string{"#n": "count"},
		map[string]types.AttributeValue{":n": num(n), ":room": num(limit - n), ":exp": num(expires.Unix())})
	if err != nil || !ok {
		return limit, false, err
	}
	total := int64(0)
	if v, ok := out.Attributes["count"].(*types.AttributeValueMemberN); ok {
		total, _ = strconv.ParseInt(v.Value, 10, 64)
	}
	return total, true, nil
}

// Lease takes the lease at key for owner until until, when nobody holds it
// or its holder's lease ended before now (a crashed holder), in one
// conditional update. It reports whether owner holds it.
func (s *State) Lease(ctx context.Context, key, owner string, now, until time.Time) (bool, error) {
	_, ok, err := s.update(ctx, key, "SET #o = :o, #u = :u, expires_at = :exp", "attribute_not_exists(#o) OR #u < :now OR #o = :o",
		map[string]string{"#o": "owner", "#u": "until"},
		map[string]types.AttributeValue{
			":o": &types.AttributeValueMemberS{Value: owner}, ":u": num(until.UnixMilli()),
			":now": num(now.UnixMilli()), ":exp": num(until.Add(24 * time.Hour).Unix()),
		})
	return ok, err
}

// Release gives the lease at key back if owner still holds it.
func (s *State) Release(ctx context.Context, key, owner string) error {
	_, _, err := s.update(ctx, key, "REMOVE #o, #u", "#o = :o",
		map[string]string{"#o": "owner", "#u": "until"},
		map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: owner}})
	return err
}

// update runs one conditional update of the state item at key, returning
// the updated attributes; ok is false when the condition refused it.
func (s *State) update(ctx context.Context, key, expr, cond string, names map[string]string, values map[string]types.AttributeValue) (*dynamodb.UpdateItemOutput, bool, error) {
	out, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}},
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	switch {
	case conditionFailed(err):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("update %s in %s: %w", key, s.table, err)
	}
	return out, true, nil
}

func num(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
