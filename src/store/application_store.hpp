// store/application_store: the applications (client ids) and which users an `assigned`
// application admits. Provider secrets are clear text here; the backend seals them at rest.
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError.
//
//   if (!apps.create_application(app)) { /* the client id exists */ }
//   std::optional<Application> found = apps.find_application("demo-app");
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

class ApplicationStore {
 public:
  virtual ~ApplicationStore() = default;

  // False when the client id exists.
  virtual bool create_application(const Application& app) = 0;
  virtual std::optional<Application> find_application(std::string_view client_id) = 0;
  virtual std::vector<Application> list_applications() = 0;
  // False when there is no such client id.
  virtual bool update_application(const Application& app) = 0;

  // Assignments (access policy `assigned`; LoginStore::is_assigned reads them at login). assign
  // is idempotent; false when the user or the application does not exist. unassign: false when
  // the user was not assigned.
  virtual bool assign_user(std::string_view client_id, std::string_view user_id) = 0;
  virtual bool unassign_user(std::string_view client_id, std::string_view user_id) = 0;
  virtual std::vector<std::string> assigned_users(std::string_view client_id) = 0;
};

}  // namespace ciamd
