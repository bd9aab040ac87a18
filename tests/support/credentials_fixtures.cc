#include "tests/support/credentials_fixtures.h"

namespace dynaflow::test {

dynamodb::Credentials MakeCredentials(std::string access_key_id, std::string secret_access_key,
                                      std::string session_token) {
  dynamodb::Credentials c;
  c.access_key_id = std::move(access_key_id);
  c.secret_access_key = std::move(secret_access_key);
  c.session_token = std::move(session_token);
  return c;
}

void FakeEnv::Set(const std::string& name, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  vars_[name] = value;
}

void FakeEnv::Unset(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  vars_.erase(name);
}

dynamodb::EnvLookup FakeEnv::Lookup() const {
  return [this](std::string_view name) -> std::optional<std::string> {
    std::lock_guard<std::mutex> lock(mu_);
    ++lookups_[std::string(name)];
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  };
}

int FakeEnv::lookups(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = lookups_.find(name);
  return it == lookups_.end() ? 0 : it->second;
}

std::string StsCredentialsXml(std::string_view action, const dynamodb::Credentials& c,
                              std::string_view expiration) {
  const std::string a(action);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + a +
         "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" + a +
         "Result>\n    <AssumedRoleUser>\n      <Arn>arn:aws:sts::123456789012:assumed-role/r/s"
         "</Arn>\n      <AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>\n    </AssumedRoleUser>\n"
         "    <Credentials>\n      <AccessKeyId>" +
         c.access_key_id + "</AccessKeyId>\n      <SecretAccessKey>" + c.secret_access_key +
         "</SecretAccessKey>\n      <SessionToken>" + c.session_token +
         "</SessionToken>\n      <Expiration>" + std::string(expiration) +
         "</Expiration>\n    </Credentials>\n  </" + a +
         "Result>\n  <ResponseMetadata>\n"
         "    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
         "  </ResponseMetadata>\n</" +
         a + "Response>\n";
}

std::string StsErrorXml(std::string_view code, std::string_view message) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n"
         "    <Type>Sender</Type>\n    <Code>" +
         std::string(code) + "</Code>\n    <Message>" + std::string(message) +
         "</Message>\n  </Error>\n  <RequestId>0a1b2c3d-0000-1111-2222-333344445555</RequestId>\n"
         "</ErrorResponse>\n";
}

std::string CredentialsJson(const dynamodb::Credentials& c, std::string_view expiration,
                            bool imds) {
  std::string out = "{\n";
  if (imds) {
    out +=
        "  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2024-01-01T00:00:00Z\",\n"
        "  \"Type\" : \"AWS-HMAC\",\n";
  }
  out += "  \"AccessKeyId\" : \"" + c.access_key_id + "\",\n  \"SecretAccessKey\" : \"" +
         c.secret_access_key + "\",\n  \"Token\" : \"" + c.session_token +
         "\",\n  \"Expiration\" : \"" + std::string(expiration) + "\"\n}\n";
  return out;
}

}  // namespace dynaflow::test
