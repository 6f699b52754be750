#include "store/webhook.h"

#include <algorithm>

namespace steadycast::store {

bool EventFilterMatches(const std::vector<std::string>& filter, std::string_view type) {
  return std::any_of(filter.begin(), filter.end(), [&](const std::string& entry) {
    return entry == kAllEvents || entry == type;
  });
}

}  // namespace steadycast::store
