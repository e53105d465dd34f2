package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/meme"
	"punchline/pkg/store/item"
)

// Claim marks result id as being made at at, unless it already is (by a
// claim newer than staleBefore) or is done. The condition makes the claim
// hold across Lambda instances: of concurrent duplicates, one wins.
func (s *Results) Claim(ctx context.Context, id int64, promptHash string, at, staleBefore time.Time) (meme.Claim, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.table),
		Key:              key(id),
		UpdateExpression: aws.String("SET #st = :pending, claimed_at = :at, prompt_hash = :ph"),
		// A result with created_at and no status was recorded before claims
		// existed: it is done.
		ConditionExpression:      aws.String("(attribute_not_exists(#st) AND attribute_not_exists(created_at)) OR (#st = :pending AND claimed_at < :stale)"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": &types.AttributeValueMemberS{Value: meme.StatusPending},
			":at":      &types.AttributeValueMemberS{Value: item.Time(at)},
			":stale":   &types.AttributeValueMemberS{Value: item.Time(staleBefore)},
			":ph":      &types.AttributeValueMemberS{Value: promptHash},
		},
	}
	_, err := s.api.UpdateItem(ctx, in)
	switch {
	case err == nil:
		return meme.Claim{Claimed: true}, nil
	case conditionFailed(err):
		return s.Lookup(ctx, id)
	}
	return meme.Claim{}, fmt.Errorf("claim %d in %s: %w", id, s.table, err)
}

// Lookup reads result id's generation status (a consistent read: the
// answer a duplicate waits for must be the one just written).
func (s *Results) Lookup(ctx context.Context, id int64) (meme.Claim, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(id),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#st, created_at, #ty, media_key, #tx, prompt_hash, #pr"),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#ty": "type", "#tx": "text", "#pr": "prompt"},
	})
	if err != nil {
		return meme.Claim{}, fmt.Errorf("lookup %d in %s: %w", id, s.table, err)
	}
	var row map[string]string
	if err := attributevalue.UnmarshalMap(out.Item, &row); err != nil {
		return meme.Claim{}, fmt.Errorf("lookup %d: %w", id, err)
	}
	return item.Claim(func(name string) string { return row[name] }), nil
}

// Conflict counts a request that came for result id with another prompt
// than the one that claimed it (ADD: concurrent conflicts all count).
func (s *Results) Conflict(ctx context.Context, id int64) error {
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(id),
		UpdateExpression:          aws.String("ADD conflicts :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		return fmt.Errorf("count conflict on %d in %s: %w", id, s.table, err)
	}
	return nil
}
