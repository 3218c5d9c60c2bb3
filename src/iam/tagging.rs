//! Tags and permissions boundaries. The actions are the same for each taggable entity
//! (`TagUser`/`TagRole`/`TagPolicy`/`TagInstanceProfile`, `PutUserPermissionsBoundary`/
//! `PutRolePermissionsBoundary` …); each handler here serves them all, told apart by a
//! [`Taggable`] kind that knows its store calls.

use std::future::Future;
use std::marker::PhantomData;

use super::identity_policies::{OwnerKind, RoleKind, UserKind};
use super::shapes::{ARN, MARKER, MAX_TAGS, TAG_KEY, check_tag_keys, read_tags};
use super::users::{DEFAULT_MAX_ITEMS, write_tag, write_truncation};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{Store, Tag};

/// An entity that actions name by one parameter, and its ARN for authorization.
pub trait Named: Send + Sync + 'static {
    /// `UserName`, `PolicyArn`, `InstanceProfileName` …, in requests.
    const NAME_PARAM: &'static str;
    const NAME_SHAPE: Shape;
    /// `User`, `Policy`, `InstanceProfile` …, as in the action names (`iam:TagUser`).
    const NOUN: &'static str;
    /// The ARN (a store read for entities the data plane does not hold).
    fn arn(cx: &Ctx<'_>, name: &str) -> impl Future<Output = Result<String, AwsError>> + Send;
}

impl<K: OwnerKind> Named for K {
    const NAME_PARAM: &'static str = <K as OwnerKind>::NAME_PARAM;
    const NAME_SHAPE: Shape = <K as OwnerKind>::NAME_SHAPE;
    const NOUN: &'static str = <K as OwnerKind>::NOUN;

    async fn arn(cx: &Ctx<'_>, name: &str) -> Result<String, AwsError> {
        Ok(<K as OwnerKind>::arn(cx, name))
    }
}

/// The store calls of an entity that has tags.
pub trait Taggable: Named {
    fn tag(
        store: &Store,
        account: &str,
        name: &str,
        tags: &[Tag],
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    fn untag(
        store: &Store,
        account: &str,
        name: &str,
        keys: &[String],
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    fn tags(
        store: &Store,
        account: &str,
        name: &str,
    ) -> impl Future<Output = Result<Vec<Tag>, AwsError>> + Send;
    /// Authorizes reading the tags of the entity `arn` names.
    fn authorize_read(cx: &Ctx<'_>, action: &str, arn: &str) -> Result<(), AwsError> {
        cx.authorize(action, arn)
    }
    /// Refuses a change the caller's policies cannot allow (an AWS managed policy's tags).
    fn check_changeable(_cx: &Ctx<'_>, _action: &str, _name: &str) -> Result<(), AwsError> {
        Ok(())
    }
}

/// The store call of an entity that has a permissions boundary (users and roles).
pub trait Bounded: Taggable {
    fn set_boundary(
        store: &Store,
        account: &str,
        name: &str,
        boundary: Option<&str>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl Taggable for UserKind {
    async fn tag(store: &Store, account: &str, name: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_user(account, name, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_user(account, name, keys).await
    }

    async fn tags(store: &Store, account: &str, name: &str) -> Result<Vec<Tag>, AwsError> {
        Ok(store.user(account, name).await?.tags)
    }
}

impl Bounded for UserKind {
    async fn set_boundary(
        store: &Store,
        account: &str,
        name: &str,
        boundary: Option<&str>,
    ) -> Result<(), AwsError> {
        store.set_user_boundary(account, name, boundary).await
    }
}

impl Taggable for RoleKind {
    async fn tag(store: &Store, account: &str, name: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_role(account, name, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_role(account, name, keys).await
    }

    async fn tags(store: &Store, account: &str, name: &str) -> Result<Vec<Tag>, AwsError> {
        Ok(store.role(account, name).await?.tags)
    }
}

impl Bounded for RoleKind {
    async fn set_boundary(
        store: &Store,
        account: &str,
        name: &str,
        boundary: Option<&str>,
    ) -> Result<(), AwsError> {
        store.set_role_boundary(account, name, boundary).await
    }
}

/// The name of the user or role an action is about, and nothing else.
pub struct NameInput<K> {
    name: String,
    kind: PhantomData<K>,
}

impl<K: Named> FromQuery for NameInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        input.finish()?;
        Ok(NameInput {
            name,
            kind: PhantomData,
        })
    }
}

pub struct TagInput<K> {
    name: String,
    tags: Vec<Tag>,
    kind: PhantomData<K>,
}

impl<K: Named> FromQuery for TagInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        input.require_present("Tags");
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(TagInput {
            name,
            tags,
            kind: PhantomData,
        })
    }
}

pub async fn tag<K: Taggable>(cx: &Ctx<'_>, input: TagInput<K>) -> Result<Empty, AwsError> {
    let action = format!("iam:Tag{}", K::NOUN);
    cx.authorize_with(
        &action,
        &K::arn(cx, &input.name).await?,
        RequestKeys::default().tags(&input.tags),
    )?;
    K::check_changeable(cx, &action, &input.name)?;
    K::tag(&cx.app.store, cx.account_id(), &input.name, &input.tags).await?;
    Ok(Empty)
}

pub struct UntagInput<K> {
    name: String,
    tag_keys: Vec<String>,
    kind: PhantomData<K>,
}

impl<K: Named> FromQuery for UntagInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        input.require_present("TagKeys");
        let tag_keys = input.string_list("TagKeys", MAX_TAGS, &TAG_KEY);
        input.finish()?;
        Ok(UntagInput {
            name,
            tag_keys,
            kind: PhantomData,
        })
    }
}

pub async fn untag<K: Taggable>(cx: &Ctx<'_>, input: UntagInput<K>) -> Result<Empty, AwsError> {
    let action = format!("iam:Untag{}", K::NOUN);
    cx.authorize_with(
        &action,
        &K::arn(cx, &input.name).await?,
        RequestKeys::default().tag_keys(input.tag_keys.clone()),
    )?;
    K::check_changeable(cx, &action, &input.name)?;
    K::untag(&cx.app.store, cx.account_id(), &input.name, &input.tag_keys).await?;
    Ok(Empty)
}

pub struct ListTagsInput<K> {
    name: String,
    marker: Option<String>,
    max_items: usize,
    kind: PhantomData<K>,
}

impl<K: Named> FromQuery for ListTagsInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListTagsInput {
            name,
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
            kind: PhantomData,
        })
    }
}

pub struct ListTagsOutput {
    tags: Vec<Tag>,
    marker: Option<String>,
}

impl ToXml for ListTagsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("Tags", &self.tags, write_tag);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_tags<K: Taggable>(
    cx: &Ctx<'_>,
    input: ListTagsInput<K>,
) -> Result<ListTagsOutput, AwsError> {
    K::authorize_read(
        cx,
        &format!("iam:List{}Tags", K::NOUN),
        &K::arn(cx, &input.name).await?,
    )?;
    let tags = K::tags(&cx.app.store, cx.account_id(), &input.name).await?;
    // AWS documents no order for tags; by key keeps a page's marker valid while tags change.
    let (tags, marker) = super::page_by_key(
        &tags,
        |t| t.key.clone(),
        input.marker.as_deref(),
        input.max_items,
    )?;
    Ok(ListTagsOutput { tags, marker })
}

pub struct BoundaryInput<K> {
    name: String,
    boundary: String,
    kind: PhantomData<K>,
}

impl<K: Named> FromQuery for BoundaryInput<K> {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required(K::NAME_PARAM, &K::NAME_SHAPE);
        let boundary = input.required("PermissionsBoundary", &ARN);
        input.finish()?;
        Ok(BoundaryInput {
            name,
            boundary,
            kind: PhantomData,
        })
    }
}

pub async fn put_boundary<K: Bounded>(
    cx: &Ctx<'_>,
    input: BoundaryInput<K>,
) -> Result<Empty, AwsError> {
    cx.authorize_with(
        &format!("iam:Put{}PermissionsBoundary", K::NOUN),
        &K::arn(cx, &input.name).await?,
        RequestKeys::default().boundary(Some(&input.boundary)),
    )?;
    K::set_boundary(
        &cx.app.store,
        cx.account_id(),
        &input.name,
        Some(&input.boundary),
    )
    .await?;
    Ok(Empty)
}

pub async fn delete_boundary<K: Bounded>(
    cx: &Ctx<'_>,
    input: NameInput<K>,
) -> Result<Empty, AwsError> {
    cx.authorize(
        &format!("iam:Delete{}PermissionsBoundary", K::NOUN),
        &K::arn(cx, &input.name).await?,
    )?;
    K::set_boundary(&cx.app.store, cx.account_id(), &input.name, None).await?;
    Ok(Empty)
}
