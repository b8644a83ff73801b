/** The page a route names. */
import type { Route } from '../router.ts';
import { AclsPage } from './acls-page.tsx';
import { BrokerPage } from './broker-page.tsx';
import { BrokersPage } from './brokers-page.tsx';
import { GroupPage } from './group-page.tsx';
import { GroupsPage } from './groups-page.tsx';
import { MessagesTopicPicker } from './messages-topic-picker.tsx';
import { OverviewPage } from './overview-page.tsx';
import { TopicPage } from './topic-page.tsx';
import { TopicsPage } from './topics-page.tsx';
import { UsersPage } from './users-page.tsx';

export function Page({ route }: { readonly route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'topics':
      return <TopicsPage />;
    case 'topic':
      return <TopicPage key={route.topic} topic={route.topic} tab={route.tab} />;
    case 'messages':
      return <MessagesTopicPicker />;
    case 'groups':
      return <GroupsPage />;
    case 'group':
      return <GroupPage key={route.groupId} groupId={route.groupId} />;
    case 'brokers':
      return <BrokersPage />;
    case 'broker':
      return <BrokerPage key={route.brokerId} brokerId={route.brokerId} />;
    case 'acls':
      return <AclsPage />;
    case 'users':
      return <UsersPage />;
    case 'not-found':
      return (
        <div class="page">
          <h1>Not found</h1>
          <p>
            Nothing at <code>{route.path}</code>. <a href="#/">Back to the overview</a>
          </p>
        </div>
      );
  }
}
