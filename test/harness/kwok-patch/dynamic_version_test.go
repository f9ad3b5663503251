// Copied into kwok's pkg/config/resources by check.sh (it is not part of this repository's Go build).
//
// kwok's port-forward handler asks the PortForward getter for the current list on every request; the
// getter caches that list under the informer's LastSyncResourceVersion. The reflector sets that version
// when it queues an event, before the informer's store holds the object, so a request in between caches
// the old list under the new version, and every later request gets the old list: the lab saw
// "no forward found for port 15000" for a gateway pod whose PortForward existed.
package resources

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"sigs.k8s.io/kwok/pkg/apis/v1alpha1"
)

type fakePortForwards struct{ w *watch.FakeWatcher }

func (f fakePortForwards) UpdateStatus(_ context.Context, obj *v1alpha1.PortForward, _ metav1.UpdateOptions) (*v1alpha1.PortForward, error) {
	return obj, nil
}

func (f fakePortForwards) List(_ context.Context, _ metav1.ListOptions) (*v1alpha1.PortForwardList, error) {
	return &v1alpha1.PortForwardList{ListMeta: metav1.ListMeta{ResourceVersion: "1"}}, nil
}

func (f fakePortForwards) Watch(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
		// client-go's watch-list: no objects yet, then the bookmark that ends the initial events.
		f.w.Action(watch.Bookmark, &v1alpha1.PortForward{ObjectMeta: metav1.ObjectMeta{
			ResourceVersion: "1", Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"},
		}})
	}
	return f.w, nil
}

func TestDynamicGetterListsEveryObjectItsInformerHandled(t *testing.T) {
	w := watch.NewFakeWithChanSize(8, false)
	getter := NewDynamicGetter[[]string, *v1alpha1.PortForward, *v1alpha1.PortForwardList](
		fakePortForwards{w},
		func(objs []*v1alpha1.PortForward) []string {
			names := make([]string, 0, len(objs))
			for _, o := range objs {
				names = append(names, o.Name)
			}
			return names
		},
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := getter.Start(ctx); err != nil {
		t.Fatal(err)
	}

	// Port-forward requests for other pods, as kwok serves them, all the time.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_ = getter.Get()
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	for i := 1; i <= 3000; i++ {
		name := fmt.Sprintf("gateway-%d", i)
		select { // forget earlier signals; the informer's handler signals after its store has the object
		case <-getter.Sync():
		default:
		}
		w.Add(&v1alpha1.PortForward{ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "istio-system", ResourceVersion: strconv.Itoa(i + 1),
		}})
		select {
		case <-getter.Sync():
		case <-time.After(10 * time.Second):
			t.Fatalf("the informer did not handle %s", name)
		}
		if got := getter.Get(); !slices.Contains(got, name) {
			t.Fatalf("the informer handled PortForward %s (version %s) but Get() returns %d objects without it: a list cached before the store had it",
				name, getter.Version(), len(got))
		}
	}
}
