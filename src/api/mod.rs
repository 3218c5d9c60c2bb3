//! The action table: each IAM and STS action iamlocal answers, its service and handler.
//!
//! A handler receives its typed input (parsed and validated by [`FromQuery`]) and the
//! request context [`Ctx`]; it authorizes, makes one store call, and returns its output,
//! which dispatch renders in the `{Action}Response` envelope.

mod catalog;
#[cfg(test)]
mod coverage;
mod ctx;

pub use ctx::{CallerPolicies, Ctx, Origin, RequestKeys, add_mfa_keys};

use crate::aws_error;
use crate::error::AwsError;
use crate::iam::identity_policies::{GroupKind, RoleKind, UserKind};
use crate::iam::instance_profiles::InstanceProfileKind;
use crate::iam::mfa_devices::MfaDeviceKind;
use crate::iam::oidc_providers::OidcProviderKind;
use crate::iam::policies::ManagedPolicyKind;
use crate::iam::saml_providers::SamlProviderKind;
use crate::iam::server_certificates::ServerCertificateKind;
use crate::protocol::query::Params;
use crate::protocol::xml::{self, ToXml};
use crate::view::SessionOf;
use crate::{iam, standalone, sts};

/// The two services iamlocal speaks, told apart by the signature's credential scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
}

impl Service {
    pub fn from_signing_name(name: &str) -> Option<Service> {
        match name {
            "iam" => Some(Service::Iam),
            "sts" => Some(Service::Sts),
            _ => None,
        }
    }

    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Service::Iam => "2010-05-08",
            Service::Sts => "2011-06-15",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Service::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Service::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        }
    }

    fn operations(self) -> &'static [&'static str] {
        match self {
            Service::Iam => catalog::IAM_OPERATIONS,
            Service::Sts => catalog::STS_OPERATIONS,
        }
    }
}

/// A typed action input, read and validated from the request's parameters.
pub trait FromQuery: Sized {
    fn from_query(params: &Params) -> Result<Self, AwsError>;
}

macro_rules! actions {
    ($( $service:ident $name:ident => $handler:expr; )*) => {
        /// Every action iamlocal answers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action {
            $( $name, )*
        }

        impl Action {
            #[cfg(test)]
            const ALL: &'static [Action] = &[ $( Action::$name, )* ];

            #[cfg(test)]
            fn service(self) -> Service {
                match self {
                    $( Action::$name => Service::$service, )*
                }
            }

            fn find(service: Service, name: &str) -> Option<Action> {
                match (service, name) {
                    $( (Service::$service, stringify!($name)) => Some(Action::$name), )*
                    _ => None,
                }
            }

            pub fn name(self) -> &'static str {
                match self {
                    $( Action::$name => stringify!($name), )*
                }
            }
        }

        /// Runs the action's handler and renders its result body.
        async fn run(action: Action, cx: &Ctx<'_>, params: &Params, request_id: &str) -> Result<String, AwsError> {
            match action {
                $( Action::$name => {
                    let output = $handler(cx, FromQuery::from_query(params)?).await?;
                    Ok(render(action, cx.caller.service, request_id, &output))
                } )*
            }
        }
    };
}

actions! {
    Iam CreateUser => iam::users::create_user;
    Iam GetUser => iam::users::get_user;
    Iam ListUsers => iam::users::list_users;
    Iam UpdateUser => iam::users::update_user;
    Iam DeleteUser => iam::users::delete_user;
    Iam PutUserPermissionsBoundary => iam::tagging::put_boundary::<UserKind>;
    Iam DeleteUserPermissionsBoundary => iam::tagging::delete_boundary::<UserKind>;
    Iam TagUser => iam::tagging::tag::<UserKind>;
    Iam UntagUser => iam::tagging::untag::<UserKind>;
    Iam ListUserTags => iam::tagging::list_tags::<UserKind>;
    Iam PutUserPolicy => iam::identity_policies::put_policy::<UserKind>;
    Iam GetUserPolicy => iam::identity_policies::get_policy::<UserKind>;
    Iam DeleteUserPolicy => iam::identity_policies::delete_policy::<UserKind>;
    Iam ListUserPolicies => iam::identity_policies::list_policies::<UserKind>;
    Iam AttachUserPolicy => iam::identity_policies::attach_policy::<UserKind>;
    Iam DetachUserPolicy => iam::identity_policies::detach_policy::<UserKind>;
    Iam ListAttachedUserPolicies => iam::identity_policies::list_attached::<UserKind>;
    Iam CreateGroup => iam::groups::create_group;
    Iam GetGroup => iam::groups::get_group;
    Iam ListGroups => iam::groups::list_groups;
    Iam ListGroupsForUser => iam::groups::list_groups_for_user;
    Iam UpdateGroup => iam::groups::update_group;
    Iam DeleteGroup => iam::groups::delete_group;
    Iam AddUserToGroup => iam::groups::add_user_to_group;
    Iam RemoveUserFromGroup => iam::groups::remove_user_from_group;
    Iam PutGroupPolicy => iam::identity_policies::put_policy::<GroupKind>;
    Iam GetGroupPolicy => iam::identity_policies::get_policy::<GroupKind>;
    Iam DeleteGroupPolicy => iam::identity_policies::delete_policy::<GroupKind>;
    Iam ListGroupPolicies => iam::identity_policies::list_policies::<GroupKind>;
    Iam AttachGroupPolicy => iam::identity_policies::attach_policy::<GroupKind>;
    Iam DetachGroupPolicy => iam::identity_policies::detach_policy::<GroupKind>;
    Iam ListAttachedGroupPolicies => iam::identity_policies::list_attached::<GroupKind>;
    Iam CreateRole => iam::roles::create_role;
    Iam GetRole => iam::roles::get_role;
    Iam ListRoles => iam::roles::list_roles;
    Iam UpdateRole => iam::roles::update_role;
    Iam UpdateRoleDescription => iam::roles::update_role_description;
    Iam UpdateAssumeRolePolicy => iam::roles::update_assume_role_policy;
    Iam DeleteRole => iam::roles::delete_role;
    Iam PutRolePermissionsBoundary => iam::tagging::put_boundary::<RoleKind>;
    Iam DeleteRolePermissionsBoundary => iam::tagging::delete_boundary::<RoleKind>;
    Iam TagRole => iam::tagging::tag::<RoleKind>;
    Iam UntagRole => iam::tagging::untag::<RoleKind>;
    Iam ListRoleTags => iam::tagging::list_tags::<RoleKind>;
    Iam PutRolePolicy => iam::identity_policies::put_policy::<RoleKind>;
    Iam GetRolePolicy => iam::identity_policies::get_policy::<RoleKind>;
    Iam DeleteRolePolicy => iam::identity_policies::delete_policy::<RoleKind>;
    Iam ListRolePolicies => iam::identity_policies::list_policies::<RoleKind>;
    Iam AttachRolePolicy => iam::identity_policies::attach_policy::<RoleKind>;
    Iam DetachRolePolicy => iam::identity_policies::detach_policy::<RoleKind>;
    Iam ListAttachedRolePolicies => iam::identity_policies::list_attached::<RoleKind>;
    Iam CreatePolicy => iam::policies::create_policy;
    Iam GetPolicy => iam::policies::get_policy;
    Iam GetPolicyVersion => iam::policies::get_policy_version;
    Iam CreatePolicyVersion => iam::policies::create_policy_version;
    Iam SetDefaultPolicyVersion => iam::policies::set_default_policy_version;
    Iam DeletePolicyVersion => iam::policies::delete_policy_version;
    Iam ListPolicyVersions => iam::policies::list_policy_versions;
    Iam DeletePolicy => iam::policies::delete_policy;
    Iam ListPolicies => iam::policies::list_policies;
    Iam CreateOpenIDConnectProvider => iam::oidc_providers::create_open_id_connect_provider;
    Iam GetOpenIDConnectProvider => iam::oidc_providers::get_open_id_connect_provider;
    Iam ListOpenIDConnectProviders => iam::oidc_providers::list_open_id_connect_providers;
    Iam DeleteOpenIDConnectProvider => iam::oidc_providers::delete_open_id_connect_provider;
    Iam UpdateOpenIDConnectProviderThumbprint => iam::oidc_providers::update_thumbprint;
    Iam AddClientIDToOpenIDConnectProvider => iam::oidc_providers::add_client_id;
    Iam RemoveClientIDFromOpenIDConnectProvider => iam::oidc_providers::remove_client_id;
    Iam TagOpenIDConnectProvider => iam::tagging::tag::<OidcProviderKind>;
    Iam UntagOpenIDConnectProvider => iam::tagging::untag::<OidcProviderKind>;
    Iam ListOpenIDConnectProviderTags => iam::tagging::list_tags::<OidcProviderKind>;
    Iam CreateSAMLProvider => iam::saml_providers::create_saml_provider;
    Iam GetSAMLProvider => iam::saml_providers::get_saml_provider;
    Iam ListSAMLProviders => iam::saml_providers::list_saml_providers;
    Iam UpdateSAMLProvider => iam::saml_providers::update_saml_provider;
    Iam DeleteSAMLProvider => iam::saml_providers::delete_saml_provider;
    Iam TagSAMLProvider => iam::tagging::tag::<SamlProviderKind>;
    Iam UntagSAMLProvider => iam::tagging::untag::<SamlProviderKind>;
    Iam ListSAMLProviderTags => iam::tagging::list_tags::<SamlProviderKind>;
    Iam CreateAccessKey => iam::access_keys::create_access_key;
    Iam ListAccessKeys => iam::access_keys::list_access_keys;
    Iam UpdateAccessKey => iam::access_keys::update_access_key;
    Iam DeleteAccessKey => iam::access_keys::delete_access_key;
    Iam GetAccessKeyLastUsed => iam::access_keys::get_access_key_last_used;
    Iam SimulateCustomPolicy => iam::simulate::simulate_custom_policy;
    Iam SimulatePrincipalPolicy => iam::simulate::simulate_principal_policy;
    Iam GetContextKeysForCustomPolicy => iam::simulate::get_context_keys_for_custom_policy;
    Iam GetContextKeysForPrincipalPolicy => iam::simulate::get_context_keys_for_principal_policy;
    Iam CreateInstanceProfile => iam::instance_profiles::create_instance_profile;
    Iam GetInstanceProfile => iam::instance_profiles::get_instance_profile;
    Iam ListInstanceProfiles => iam::instance_profiles::list_instance_profiles;
    Iam DeleteInstanceProfile => iam::instance_profiles::delete_instance_profile;
    Iam AddRoleToInstanceProfile => iam::instance_profiles::add_role_to_instance_profile;
    Iam RemoveRoleFromInstanceProfile => iam::instance_profiles::remove_role_from_instance_profile;
    Iam ListInstanceProfilesForRole => iam::instance_profiles::list_instance_profiles_for_role;
    Iam TagInstanceProfile => iam::tagging::tag::<InstanceProfileKind>;
    Iam UntagInstanceProfile => iam::tagging::untag::<InstanceProfileKind>;
    Iam ListInstanceProfileTags => iam::tagging::list_tags::<InstanceProfileKind>;
    Iam CreateAccountAlias => iam::account::create_account_alias;
    Iam DeleteAccountAlias => iam::account::delete_account_alias;
    Iam ListAccountAliases => iam::account::list_account_aliases;
    Iam GetAccountPasswordPolicy => iam::account::get_account_password_policy;
    Iam UpdateAccountPasswordPolicy => iam::account::update_account_password_policy;
    Iam DeleteAccountPasswordPolicy => iam::account::delete_account_password_policy;
    Iam GetAccountSummary => iam::account::get_account_summary;
    Iam CreateLoginProfile => iam::login_profiles::create_login_profile;
    Iam GetLoginProfile => iam::login_profiles::get_login_profile;
    Iam UpdateLoginProfile => iam::login_profiles::update_login_profile;
    Iam DeleteLoginProfile => iam::login_profiles::delete_login_profile;
    Iam ChangePassword => iam::login_profiles::change_password;
    Iam TagPolicy => iam::tagging::tag::<ManagedPolicyKind>;
    Iam UntagPolicy => iam::tagging::untag::<ManagedPolicyKind>;
    Iam ListPolicyTags => iam::tagging::list_tags::<ManagedPolicyKind>;
    Iam ListEntitiesForPolicy => iam::policies::list_entities_for_policy;
    Iam GetAccountAuthorizationDetails => iam::authorization_details::get_account_authorization_details;
    Iam GenerateCredentialReport => iam::credential_report::generate_credential_report;
    Iam GetCredentialReport => iam::credential_report::get_credential_report;
    Iam CreateServiceLinkedRole => iam::service_linked_roles::create_service_linked_role;
    Iam DeleteServiceLinkedRole => iam::service_linked_roles::delete_service_linked_role;
    Iam GetServiceLinkedRoleDeletionStatus => iam::service_linked_roles::get_service_linked_role_deletion_status;
    Iam ListOrganizationsFeatures => standalone::list_organizations_features;
    Iam EnableOrganizationsRootCredentialsManagement => standalone::enable_organizations_root_credentials_management;
    Iam DisableOrganizationsRootCredentialsManagement => standalone::disable_organizations_root_credentials_management;
    Iam EnableOrganizationsRootSessions => standalone::enable_organizations_root_sessions;
    Iam DisableOrganizationsRootSessions => standalone::disable_organizations_root_sessions;
    Iam GenerateOrganizationsAccessReport => standalone::generate_organizations_access_report;
    Iam GetOrganizationsAccessReport => standalone::get_organizations_access_report;
    Iam CreateDelegationRequest => standalone::create_delegation_request;
    Iam GetDelegationRequest => standalone::get_delegation_request;
    Iam ListDelegationRequests => standalone::list_delegation_requests;
    Iam AcceptDelegationRequest => standalone::accept_delegation_request;
    Iam RejectDelegationRequest => standalone::reject_delegation_request;
    Iam AssociateDelegationRequest => standalone::associate_delegation_request;
    Iam UpdateDelegationRequest => standalone::update_delegation_request;
    Iam SendDelegationToken => standalone::send_delegation_token;
    Iam GetHumanReadableSummary => standalone::get_human_readable_summary;
    Iam SetSecurityTokenServicePreferences => iam::account::set_security_token_service_preferences;
    Iam EnableOutboundWebIdentityFederation => iam::outbound_federation::enable_outbound_web_identity_federation;
    Iam DisableOutboundWebIdentityFederation => iam::outbound_federation::disable_outbound_web_identity_federation;
    Iam GetOutboundWebIdentityFederationInfo => iam::outbound_federation::get_outbound_web_identity_federation_info;
    Iam GenerateServiceLastAccessedDetails => iam::access_advisor::generate_service_last_accessed_details;
    Iam GetServiceLastAccessedDetails => iam::access_advisor::get_service_last_accessed_details;
    Iam GetServiceLastAccessedDetailsWithEntities => iam::access_advisor::get_service_last_accessed_details_with_entities;
    Iam ListPoliciesGrantingServiceAccess => iam::access_advisor::list_policies_granting_service_access;
    Iam UploadServerCertificate => iam::server_certificates::upload_server_certificate;
    Iam GetServerCertificate => iam::server_certificates::get_server_certificate;
    Iam ListServerCertificates => iam::server_certificates::list_server_certificates;
    Iam UpdateServerCertificate => iam::server_certificates::update_server_certificate;
    Iam DeleteServerCertificate => iam::server_certificates::delete_server_certificate;
    Iam TagServerCertificate => iam::tagging::tag::<ServerCertificateKind>;
    Iam UntagServerCertificate => iam::tagging::untag::<ServerCertificateKind>;
    Iam ListServerCertificateTags => iam::tagging::list_tags::<ServerCertificateKind>;
    Iam UploadSigningCertificate => iam::signing_certificates::upload_signing_certificate;
    Iam ListSigningCertificates => iam::signing_certificates::list_signing_certificates;
    Iam UpdateSigningCertificate => iam::signing_certificates::update_signing_certificate;
    Iam DeleteSigningCertificate => iam::signing_certificates::delete_signing_certificate;
    Iam UploadSSHPublicKey => iam::ssh_public_keys::upload_ssh_public_key;
    Iam GetSSHPublicKey => iam::ssh_public_keys::get_ssh_public_key;
    Iam ListSSHPublicKeys => iam::ssh_public_keys::list_ssh_public_keys;
    Iam UpdateSSHPublicKey => iam::ssh_public_keys::update_ssh_public_key;
    Iam DeleteSSHPublicKey => iam::ssh_public_keys::delete_ssh_public_key;
    Iam CreateServiceSpecificCredential => iam::service_credentials::create_service_specific_credential;
    Iam ListServiceSpecificCredentials => iam::service_credentials::list_service_specific_credentials;
    Iam ResetServiceSpecificCredential => iam::service_credentials::reset_service_specific_credential;
    Iam UpdateServiceSpecificCredential => iam::service_credentials::update_service_specific_credential;
    Iam DeleteServiceSpecificCredential => iam::service_credentials::delete_service_specific_credential;
    Iam CreateVirtualMFADevice => iam::mfa_devices::create_virtual_mfa_device;
    Iam DeleteVirtualMFADevice => iam::mfa_devices::delete_virtual_mfa_device;
    Iam ListVirtualMFADevices => iam::mfa_devices::list_virtual_mfa_devices;
    Iam EnableMFADevice => iam::mfa_devices::enable_mfa_device;
    Iam ResyncMFADevice => iam::mfa_devices::resync_mfa_device;
    Iam DeactivateMFADevice => iam::mfa_devices::deactivate_mfa_device;
    Iam GetMFADevice => iam::mfa_devices::get_mfa_device;
    Iam ListMFADevices => iam::mfa_devices::list_mfa_devices;
    Iam TagMFADevice => iam::tagging::tag::<MfaDeviceKind>;
    Iam UntagMFADevice => iam::tagging::untag::<MfaDeviceKind>;
    Iam ListMFADeviceTags => iam::tagging::list_tags::<MfaDeviceKind>;
    Sts AssumeRole => sts::assume_role::assume_role;
    Sts AssumeRoleWithWebIdentity => sts::web_identity::assume_role_with_web_identity;
    Sts AssumeRoleWithSAML => sts::saml::assume_role_with_saml;
    Sts GetSessionToken => sts::session_token::get_session_token;
    Sts GetCallerIdentity => sts::identity::get_caller_identity;
    Sts GetAccessKeyInfo => sts::identity::get_access_key_info;
    Sts GetFederationToken => sts::federation::get_federation_token;
    Sts DecodeAuthorizationMessage => sts::decode::decode_authorization_message;
    Sts AssumeRoot => standalone::assume_root;
    Sts GetDelegatedAccessToken => standalone::get_delegated_access_token;
    Sts GetWebIdentityToken => sts::outbound_token::get_web_identity_token;
}

fn render(action: Action, service: Service, request_id: &str, output: &dyn ToXml) -> String {
    xml::response(action.name(), service.namespace(), request_id, output)
}

/// The operations of the service whose action prefix is `namespace` (`iam`, `sts`), from
/// its model; none for the services iamlocal does not speak.
pub fn model_operations(namespace: &str) -> &'static [&'static str] {
    match namespace {
        "iam" => catalog::IAM_OPERATIONS,
        "sts" => catalog::STS_OPERATIONS,
        _ => &[],
    }
}

/// The name of an action iamlocal answers, as a static string (for the request log).
pub fn action_name(service: Service, name: &str) -> Option<&'static str> {
    Action::find(service, name).map(Action::name)
}

/// Finds the action the parameters name, in the service the caller signed for, and runs it.
pub async fn dispatch(cx: &Ctx<'_>, params: &Params, request_id: &str) -> Result<String, AwsError> {
    let service = cx.caller.service;
    let name = params
        .action()
        .ok_or_else(|| aws_error!(MissingAction, "Missing Action"))?;
    if let Some(version) = params.get("Version")
        && version != service.version()
    {
        return Err(aws_error!(
            InvalidAction,
            "Could not find operation {name} for version {version}"
        ));
    }
    match Action::find(service, name) {
        Some(action) => {
            check_credential_kind(cx, action)?;
            run(action, cx, params, request_id).await
        }
        None => Err(unanswered(service, name)),
    }
}

/// The error for an action iamlocal has no handler for: `NotImplemented` for an operation of
/// the service's model (every one is answered today; a newer model may add more), else AWS's
/// `InvalidAction`.
fn unanswered(service: Service, name: &str) -> AwsError {
    if service.operations().contains(&name) {
        aws_error!(NotImplemented, "iamlocal does not implement {name} yet.")
    } else {
        aws_error!(
            InvalidAction,
            "Could not find operation {name} for version {}",
            service.version()
        )
    }
}

/// Answers an unsigned request. AWS answers unsigned only the STS actions whose request
/// carries its own proof of identity (a web identity token, a SAML assertion).
pub async fn dispatch_unsigned(
    origin: &Origin<'_>,
    params: &Params,
    request_id: &str,
) -> Result<String, AwsError> {
    let sts = Service::Sts;
    let action = params
        .action()
        .and_then(|name| Action::find(sts, name))
        .filter(|action| {
            matches!(
                action,
                Action::AssumeRoleWithWebIdentity | Action::AssumeRoleWithSAML
            )
        })
        .filter(|_| params.get("Version").is_none_or(|v| v == sts.version()))
        .ok_or_else(AwsError::missing_authentication_token)?;
    let body = match action {
        Action::AssumeRoleWithWebIdentity => {
            let output =
                sts::web_identity::unsigned(origin, FromQuery::from_query(params)?).await?;
            render(action, sts, request_id, &output)
        }
        _ => {
            let output = sts::saml::unsigned(origin, FromQuery::from_query(params)?).await?;
            render(action, sts, request_id, &output)
        }
    };
    Ok(body)
}

/// Credentials from `GetSessionToken` without MFA cannot call IAM, and of STS only
/// `AssumeRole` and `GetCallerIdentity`, as AWS's guide on temporary credentials says;
/// credentials from `GetFederationToken` cannot call IAM, and of STS only
/// `GetCallerIdentity`.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html>
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html>
fn check_credential_kind(cx: &Ctx<'_>, action: Action) -> Result<(), AwsError> {
    let Some(session) = &cx.caller.session else {
        return Ok(());
    };
    let allowed = match session.of {
        SessionOf::Role { .. } => return Ok(()),
        SessionOf::Caller { .. } => {
            (session.mfa_authenticated_at.is_some() && cx.caller.service == Service::Iam)
                || matches!(
                    action,
                    Action::AssumeRole | Action::GetCallerIdentity | Action::GetSessionToken
                )
        }
        SessionOf::Federated { .. } => action == Action::GetCallerIdentity,
    };
    match action {
        _ if allowed => Ok(()),
        // AWS (observed): IAM refuses such a token as if it were not valid at all.
        _ if cx.caller.service == Service::Iam => Err(AwsError::invalid_client_token_id()),
        _ => Err(AwsError::access_denied(format!(
            "Cannot call {} with session credentials",
            action.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_found_only_in_their_own_service() {
        assert_eq!(
            Action::find(Service::Iam, "CreateUser"),
            Some(Action::CreateUser)
        );
        assert_eq!(Action::find(Service::Sts, "CreateUser"), None);
        assert_eq!(
            Action::find(Service::Sts, "GetCallerIdentity"),
            Some(Action::GetCallerIdentity)
        );
        assert_eq!(Action::find(Service::Iam, "createuser"), None);
    }

    #[test]
    fn an_operation_of_the_model_without_a_handler_is_not_implemented() {
        let error = unanswered(Service::Iam, "CreateUser");
        assert_eq!(error.code.as_str(), "NotImplemented");
        assert_eq!(error.message, "iamlocal does not implement CreateUser yet.");
        let error = unanswered(Service::Iam, "CreateBucket");
        assert_eq!(error.code.as_str(), "InvalidAction");
    }

    #[test]
    fn every_action_is_an_operation_of_its_service_model() {
        for action in Action::ALL {
            let service = action.service();
            assert!(
                service.operations().contains(&action.name()),
                "{} is not in the {} model",
                action.name(),
                service.signing_name()
            );
            assert_eq!(Action::find(service, action.name()), Some(*action));
        }
    }
}
